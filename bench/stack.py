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
import urllib.parse
import urllib.request
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


class Browser:
    """A signed-in client, talking to gunicorn as the TLS proxy of a deployment would: it says
    the original request was HTTPS, so secure cookies and HSTS behave as in production."""

    def __init__(self, base):
        self.base = base
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http"))
        self.jar = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("X-Forwarded-Proto", "https")]

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
