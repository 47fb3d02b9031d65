import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from adoption.config.settings import database_config, env_bool, env_int

ROOT = Path(__file__).resolve().parents[3]


def test_sqlite_url_parsed():
    config = database_config("sqlite:////tmp/spreadwatch.sqlite3", conn_max_age=0)

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/tmp/spreadwatch.sqlite3"


def test_postgres_url_parsed():
    config = database_config(
        "postgres://spread:secret@db.internal:6432/spreadwatch", conn_max_age=60
    )

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 6432, "spreadwatch")
    assert (config["USER"], config["PASSWORD"]) == ("spread", "secret")
    assert config["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize("url", ["mysql://root@localhost/db", "not a url"])
def test_unsupported_database_url_refused(url):
    with pytest.raises(ImproperlyConfigured):
        database_config(url, conn_max_age=0)


def test_booleans_and_numbers_parsed_strictly(monkeypatch):
    monkeypatch.setenv("SW_FLAG", "yes")
    monkeypatch.setenv("SW_NUMBER", "twelve")

    assert env_bool("SW_FLAG", False) is True
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("SW_NUMBER", 1)
    monkeypatch.setenv("SW_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="true or false"):
        env_bool("SW_FLAG", False)


def settings_in_subprocess(**environment):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "STALL_DAYS"}}
    env.update(environment)
    code = "import adoption.config.settings as s; print(s.STALL_DAYS, s.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )


def test_secret_key_required_when_debug_off():
    result = settings_in_subprocess(DEBUG="false")

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_stall_days_read_from_environment():
    result = settings_in_subprocess(DEBUG="false", SECRET_KEY="x", STALL_DAYS="90")

    assert result.stdout.split() == ["90", "False"]


def test_docker_compose_file_is_valid():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    db, web = compose["services"]["db"], compose["services"]["web"]
    assert db["image"].startswith("postgres:16")
    assert "healthcheck" in db and "healthcheck" in web
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    assert "gunicorn" in " ".join(web["command"])
    assert "pgdata" in compose["volumes"]


def scaled_out(**environment):
    """The databases, routers and cache the settings make of these variables."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TESTING"}}
    env.update({"SECRET_KEY": "x" * 50, "DEBUG": "false", **environment})
    code = (
        "import json, adoption.config.settings as s; print(json.dumps({"
        "'databases': {a: [d['HOST'], d.get('OPTIONS', {}).get('connect_timeout'), d.get('TEST')] "
        "for a, d in s.DATABASES.items()}, 'routers': s.DATABASE_ROUTERS, "
        "'cache': s.CACHES['default']['BACKEND'], 'sessions': getattr(s, 'SESSION_ENGINE', '')}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )


def test_replicas_and_a_shared_cache_come_from_the_environment():
    import json

    found = scaled_out(
        DATABASE_URL="postgres://app@primary:5432/spreadwatch",
        DATABASE_REPLICA_URLS="postgres://app@replica-a:5432/spreadwatch, "
        "postgres://app@replica-b:5432/spreadwatch",
        CACHE_URL="redis://cache:6379/0",
    )
    assert found.returncode == 0, found.stderr
    settings = json.loads(found.stdout)
    assert settings["databases"] == {
        "default": ["primary", None, None],
        "replica1": ["replica-a", 3, {"MIRROR": "default"}],
        "replica2": ["replica-b", 3, {"MIRROR": "default"}],
    }
    assert settings["routers"] == ["adoption.core.replicas.ReplicaRouter"]
    assert settings["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert settings["sessions"] == "django.contrib.sessions.backends.cached_db"


def test_without_replicas_or_cache_url_everything_stays_in_the_one_database():
    import json

    found = scaled_out(DATABASE_URL="postgres://app@primary:5432/spreadwatch")
    settings = json.loads(found.stdout)
    assert list(settings["databases"]) == ["default"]
    assert settings["cache"] == "adoption.core.cache.DatabaseCache"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_REPLICA_URLS", "sqlite:////tmp/replica.sqlite3"), ("CACHE_URL", "memcached://x")],
)
def test_a_replica_or_cache_of_the_wrong_kind_is_refused(variable, value):
    found = scaled_out(DATABASE_URL="postgres://app@primary:5432/spreadwatch", **{variable: value})
    assert found.returncode != 0
    assert "ImproperlyConfigured" in found.stderr


def test_smtp_settings_come_from_the_environment_by_djangos_names():
    import json

    env = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    env.update(
        SECRET_KEY="x" * 50,
        DEBUG="false",
        EMAIL_HOST="smtp.example.nhs.uk",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="spreadwatch",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="true",
        DEFAULT_FROM_EMAIL="Spreadwatch <noreply@example.nhs.uk>",
        SITE_URL="https://spreadwatch.example.nhs.uk/",
    )
    code = (
        "import json, adoption.config.settings as s; print(json.dumps([s.EMAIL_HOST, "
        "s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, "
        "s.DEFAULT_FROM_EMAIL, s.SITE_URL]))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )

    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == [
        "smtp.example.nhs.uk",
        587,
        "spreadwatch",
        "secret",
        True,
        "Spreadwatch <noreply@example.nhs.uk>",
        "https://spreadwatch.example.nhs.uk",
    ]


def test_compose_sends_notifications_on_a_schedule_to_a_mail_catcher():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    notifications, mailpit = compose["services"]["notifications"], compose["services"]["mailpit"]
    assert "send_notifications" in " ".join(notifications["command"])
    assert "sleep" in " ".join(notifications["command"])
    assert notifications["environment"]["EMAIL_HOST"] == "${EMAIL_HOST:-mailpit}"
    assert notifications["environment"]["EMAIL_PORT"] == "${EMAIL_PORT:-1025}"
    assert mailpit["image"].startswith("axllent/mailpit")
    assert {"8025:8025", "1025:1025"} <= set(mailpit["ports"])
    assert compose["services"]["web"]["environment"]["SITE_URL"].startswith("${SITE_URL")
