"""The production pieces of docker-compose.yml, run directly: collectstatic with WhiteNoise's
manifest storage, then gunicorn started from its production settings file
(adoption/config/gunicorn.py) serving the app with DEBUG off against the test database."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(folder):
    """The test database as a DATABASE_URL; for SQLite in memory, which no other process can
    open, a database file of the server's own in `folder` (these tests read no table)."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        if connection.is_in_memory_db():
            return f"sqlite:///{folder / 'gunicorn.sqlite3'}"
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def fetch(url, headers=None, timeout=5):
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def production_server(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "TESTING": "false",
        "SECRET_KEY": "gunicorn-test-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": database_url(tmp_path),
        "CONN_MAX_AGE": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        # Fewer processes than production starts quicker; threads per worker stay as shipped.
        "WEB_CONCURRENCY": "2",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "adoption/config/gunicorn.py",
                "adoption.config.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            # Its own process group, so that stopping it stops its workers too.
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            fetch(base + "/healthz")
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop(server, signal.SIGKILL)
                pytest.fail("gunicorn did not start:\n" + log.read_text())
            time.sleep(0.2)
    yield base
    stop(server, signal.SIGINT)  # quick shutdown: nothing is left to finish
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        stop(server, signal.SIGKILL)
        server.wait()


def stop(server, how):
    """Signal the server's whole process group: a worker left behind would hold its port."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, how)


def test_server_database_never_names_the_in_memory_test_database(tmp_path):
    url = database_url(tmp_path)

    assert "memorydb" not in url and ":memory:" not in url


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


def timed_health_check(base):
    """The status of GET /healthz and the seconds it took (status None: no answer in 2 s)."""
    start = time.monotonic()
    try:
        status, _, _ = fetch(base + "/healthz", timeout=2)
    except OSError:
        status = None
    return status, time.monotonic() - start


def test_gunicorn_answers_health_checks_while_slow_clients_trickle_headers(production_server):
    port = urlsplit(production_server).port
    slow_clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(8)]
    try:
        for client in slow_clients:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        # Each client sends one more header line a second and never ends its headers.
        for line in range(3):
            time.sleep(1)
            for client in slow_clients:
                client.sendall(b"X-Slow-%d: 1\r\n" % line)
            status, seconds = timed_health_check(production_server)
            assert status == 200, f"/healthz gave no answer within 2 s after {line + 1} s"
            assert seconds < 2
    finally:
        for client in slow_clients:
            client.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
