"""The production pieces of docker-compose.yml, run directly: collectstatic with WhiteNoise's
manifest storage, then gunicorn serving the app with DEBUG off against the test database."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def fetch(url, headers=None):
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def production_server(tmp_path):
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("gunicorn needs a database file or server it can share with the tests")
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "TESTING": "false",
        "SECRET_KEY": "gunicorn-test-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "adoption.config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            fetch(base + "/healthz")
            break
        except OSError:
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=10)


def test_gunicorn_serves_health_login_and_static_files(production_server):
    status, _, body = fetch(production_server + "/healthz")
    assert (status, body) == (200, b"ok\n")

    # As behind the TLS-terminating proxy of a real deployment.
    status, headers, body = fetch(
        production_server + "/accounts/login/", headers={"X-Forwarded-Proto": "https"}
    )
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    page = body.decode()
    start = page.index("/static/vendor/nhsuk-frontend/nhsuk-frontend.min.")
    stylesheet = page[start : page.index('"', start)]
    assert stylesheet.endswith(".css") and stylesheet.count(".") >= 3, "expected a hashed name"

    status, headers, body = fetch(production_server + stylesheet)
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"nhsuk-header" in body
    assert b"assets.nhs.uk" not in body


def test_gunicorn_hides_errors_and_redirects_anonymous_users(production_server):
    status, _, body = fetch(production_server + "/no-such-page")
    assert status == 404
    assert b"Traceback" not in body and b"URLconf" not in body

    request = urllib.request.Request(production_server + "/")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=5)
    assert redirect.value.code == 302
    assert redirect.value.headers["Location"].startswith("/accounts/login/")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
