"""Spreadwatch settings: one module, configured from the environment.

Every value a deployment may change is read from an environment variable below; see
`.env.example` for the full list. Required values fail loudly with a hint rather than
falling back to something unsafe.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None, *, required=False):
    """Read an environment variable; raise with a hint when a required one is missing."""
    value = os.environ.get(name)
    if value in (None, ""):
        if required:
            raise ImproperlyConfigured(
                f"Set the {name} environment variable (see .env.example for what it does)."
            )
        return default
    return value


def env_bool(name, default):
    value = env(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default, *, minimum=0):
    value = env(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name, default):
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_config(url, *, conn_max_age):
    """Turn a DATABASE_URL into Django's DATABASES entry."""
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
    if config["ENGINE"] not in {
        "django.db.backends.sqlite3",
        "django.db.backends.postgresql",
    }:
        raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Readers do not block the writer, and a busy writer is waited for, not failed.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


# --- Core -------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
# Set by `make test`: plain static file storage, so pages under test load their CSS and JS.
TESTING = env_bool("TESTING", False)

SECRET_KEY = env("SECRET_KEY", required=not DEBUG)
if SECRET_KEY is None:
    # Only reachable with DEBUG on: a development key that is never valid in production.
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# An adoption is stalled when its stage is not terminal and has not changed for this many days.
STALL_DAYS = env_int("STALL_DAYS", 180, minimum=1)

# An escalated barrier is acknowledged within this many working days (weekends and England's
# bank holidays skipped) of reaching its ICB or the national team, and answered within the second.
ESCALATION_ACKNOWLEDGE_WORKING_DAYS = env_int("ESCALATION_ACKNOWLEDGE_WORKING_DAYS", 3, minimum=1)
ESCALATION_RESPOND_WORKING_DAYS = env_int("ESCALATION_RESPOND_WORKING_DAYS", 20, minimum=1)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_filters",
    "import_export",
    "simple_history",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "adoption.core",
    "adoption.registry",
    "adoption.accounts",
    "adoption.barriers",
    "adoption.dashboards",
    "adoption.escalations",
    "adoption.notifications",
    "adoption.api",
    "adoption.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "adoption.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "adoption.core.middleware.RejectNulMiddleware",
    "adoption.core.middleware.PrivateResponsesMiddleware",
    # Which database this request reads: a replica, or the primary (adoption/core/replicas.py).
    "adoption.core.replicas.ReadFromReplicas",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A CSV download may be sent with an API token instead of a session.
    "adoption.api.authentication.TokenOpensDownloads",
    # Every page needs a sign-in unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Dashboard figures counted for a page are cached after its response has gone.
    "adoption.dashboards.cache.StoreFiguresAfterResponse",
]

FORM_RENDERER = "adoption.core.forms.NhsFormRenderer"

ROOT_URLCONF = "adoption.config.urls"
WSGI_APPLICATION = "adoption.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "adoption.core.context_processors.service",
                "adoption.accounts.context_processors.access",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------

DATABASES = {
    "default": database_config(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'spreadwatch.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Streaming replicas of the primary (DATABASE_URL), comma-separated: web requests that only
# read go to one of them (adoption/core/replicas.py). None: everything on the primary.
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    _replica = database_config(_url, conn_max_age=env_int("CONN_MAX_AGE", 60))
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must point at PostgreSQL replicas.")
    # A replica that cannot be reached is given up on quickly; its reads go elsewhere.
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # In tests a replica is the primary's test database.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
# Behind PgBouncer in transaction pooling, a server-side cursor cannot outlive its transaction:
# DISABLE_SERVER_SIDE_CURSORS=true reads every result at once instead.
if env_bool("DISABLE_SERVER_SIDE_CURSORS", False):
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASE_ROUTERS = ["adoption.core.replicas.ReplicaRouter"]
# After a browser writes, its reads stay on the primary this long, so its user sees what they
# saved however far a replica lags.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 5, minimum=1)
# A replica further behind than this is not read until it catches up.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30)
# How often each process asks a replica whether it answers and how far behind it is.
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5)

# Dashboard figures are cached in the database, shared by every worker, keyed by a data version
# bumped on every change (adoption/dashboards/cache.py), so the cache never serves a stale
# figure. The table is created by a migration.
CACHES = {
    "default": {
        # Django's database cache, storing many values in one statement.
        "BACKEND": "adoption.core.cache.DatabaseCache",
        "LOCATION": "spreadwatch_cache",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}
# A shared Redis (CACHE_URL, e.g. redis://127.0.0.1:6379/0) instead, for several app servers:
# figures, and sessions read from it before the database.
CACHE_URL = env("CACHE_URL")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("CACHE_URL must be a redis://, rediss:// or unix:// URL.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
if TESTING:
    # Tests without a database still import the cache; each test empties it.
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}

# --- Accounts ---------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not the service's name or its demo password, however spelled.
    {"NAME": "adoption.accounts.validators.ServicePasswordValidator"},
]
if TESTING:
    # A fast hash keeps the suite quick; production uses Django's default (PBKDF2).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve straight from the source folders where nothing has been collected.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# --- Security ---------------------------------------------------------------------------

SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the app append to X-Forwarded-For. 0: the client's address is
# REMOTE_ADDR and the header is ignored (anyone can forge it); N: the Nth entry from its right.
# Sign-in throttling counts failures per account and address (adoption/accounts/throttle.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- API ------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "adoption.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "adoption.api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "adoption.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Money as JSON numbers, not strings: what pandas and R read as numbers.
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Spreadwatch API",
    "DESCRIPTION": (
        "Where the spread of proven innovations across the NHS is stalling, and why. "
        "Sign in to the service, or send `Authorization: Token <key>` with a token you create "
        "on your account page (/accounts/); tokens expire and can be revoked there. "
        "Lists are paged by cursor: follow `next`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "adoption.api.schema.parameters_are_never_empty",
    ],
}
# API tokens (django-rest-knox): stored only as a hash, shown once when created, and refused
# after this many days.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90, minimum=1)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    "TOKEN_LIMIT_PER_USER": 10,
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

# --- Email (adoption/notifications/, `manage.py send_notifications`) -----------------------

# SMTP, by Django's own names. Unset, mail goes to an SMTP server on this machine's port 25.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Spreadwatch <spreadwatch@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The service's address as people reach it: links in emails start with it.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
