"""What the benchmarks share: a PostgreSQL database seeded once per scale, and the app served by
gunicorn under production settings on 127.0.0.1."""

import contextlib
import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BASE_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DEMO_PASSWORD = "spreadwatch-demo"


def run(*args, env, check=True, capture=False):
    return subprocess.run(args, cwd=ROOT, env=env, check=check, text=True, capture_output=capture)


def django_says(code, env):
    """The output of some Python run with Django set up against the benchmark's database."""
    return run(
        PYTHON, "-c", f"import django; django.setup()\n{code}", env=env, capture=True
    ).stdout.strip()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def bench_env(database):
    """Production settings against the benchmark's database."""
    return {
        **os.environ,
        "DATABASE_URL": f"{BASE_URL}/{database}",
        "DEBUG": "false",
        "TESTING": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "60",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "adoption.config.settings",
    }


def prepare(env, database, scale):
    """Create, migrate and seed the database once (reused afterwards); the seconds seeding took,
    or None when it was reused."""
    created = (
        run(
            "psql",
            f"{BASE_URL}/postgres",
            "-qc",
            f"CREATE DATABASE {database}",
            env=env,
            check=False,
            capture=True,
        ).returncode
        == 0
    )
    run(PYTHON, "manage.py", "migrate", "--no-input", "-v0", env=env)
    has_data = (
        django_says(
            "from adoption.demo.demo_data import domain_has_data; print(domain_has_data())", env
        )
        == "True"
    )
    if created or not has_data:
        started = time.perf_counter()
        run(PYTHON, "manage.py", "seed_demo", "--scale", scale, "--replace", "-v0", env=env)
        return time.perf_counter() - started
    return None


def first_innovation(env):
    return django_says(
        "from adoption.registry.models import Innovation\n"
        "print(Innovation.objects.order_by('id').values_list('id', flat=True).first())",
        env,
    )


def clear_cache(env):
    """Empty the figure cache (a database table shared by every worker)."""
    django_says("from django.core.cache import cache; cache.clear()", env)


@contextlib.contextmanager
def serving(env, *options):
    """Serve the app with gunicorn (and `options`) on a free port: yields its base URL. The
    static files are collected into a fresh STATIC_ROOT, set in `env` for what runs after."""
    env["STATIC_ROOT"] = tempfile.mkdtemp(prefix="spreadwatch-static-")
    run(PYTHON, "manage.py", "collectstatic", "--no-input", "-v0", env=env)
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            *options,
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "adoption.config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


class Forms(HTMLParser):
    """The forms of a page: each {"action", "fields": {name: value}, "choices": {name:
    [values]}}, with what a browser would submit by default."""

    def __init__(self, html):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}, "choices": {}})
        if not self.forms:
            return
        form, name = self.forms[-1], attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                form["choices"].setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    form["fields"][name] = attrs.get("value", "on")
            elif kind not in ("submit", "button"):
                form["fields"][name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
            form["choices"][name] = []
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            form["choices"][self._select].append(value)
            if "selected" in attrs or self._select not in form["fields"]:
                form["fields"][self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"][name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data

    def having(self, field):
        return next(
            form for form in self.forms if field in form["fields"] or field in form["choices"]
        )


class _Unredirected(urllib.request.HTTPRedirectHandler):
    """Leaves a redirect as the answer: a saved form answers with one to the saved record."""

    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A signed-in client, talking to gunicorn as the TLS proxy of a deployment would: it says
    the original request was HTTPS, so secure cookies and HSTS behave as in production."""

    def __init__(self, base):
        self.base = base
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http"))
        self.jar = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("X-Forwarded-Proto", "https")]
        self.poster = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _Unredirected
        )
        self.poster.addheaders = [("X-Forwarded-Proto", "https")]

    def get(self, path):
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=120) as response:
            body = response.read()
            status = response.status
        return status, (time.perf_counter() - started) * 1000, body

    def sign_in(self, username, password):
        _, _, body = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/",
            data=data,
            headers={"Referer": self.base.replace("http://", "https://") + "/accounts/login/"},
        )
        with self.opener.open(request, timeout=30) as response:
            assert response.status == 200, "sign-in failed"

    def form(self, path, field):
        """The form on the page at `path` that has `field`, as `Forms` reads it."""
        _, _, body = self.get(path)
        return Forms(body.decode()).having(field)

    def post(self, path, fields):
        """Post a form's `fields` to `path` as the browser would from that page: (status,
        Location of the redirect a saved form answers with, or None)."""
        request = urllib.request.Request(
            self.base + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Referer": self.base.replace("http://", "https://") + path},
        )
        try:
            with self.poster.open(request, timeout=60) as response:
                return response.status, None
        except urllib.error.HTTPError as answer:
            if answer.code >= 400:
                self.refused = answer.read().decode(errors="replace")
            return answer.code, answer.headers.get("Location")
