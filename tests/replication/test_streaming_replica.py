"""The app against a real PostgreSQL primary and a streaming replica made from it with
`pg_basebackup`, both on loopback ports, served by gunicorn from the production settings with
the shared Redis cache:

- pages that only read are served by the replica, writes land on the primary;
- with the replica's replay paused, a lead who has just logged a barrier sees it on their next
  page (pinned to the primary), while a national user reading the replica does not yet, and
  the lead's own pin runs out;
- with the replica stopped, reads fall back to the primary with no error and /healthz stays
  200.

Slow (about a minute: two clusters, a demo, a server). It runs where the suite runs on
PostgreSQL, and needs PostgreSQL's server programs (`pg_config --bindir`); run as root, the
clusters run as the `postgres` user, since the server refuses to run as root. Run it alone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spreadwatch make test \
        PYTEST_ARGS=tests/replication
"""

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from stack import Browser, free_port, serving  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PASSWORD = "spreadwatch-demo"
REDIS_URL = os.environ.get("REPLICA_TEST_REDIS", "redis://127.0.0.1:6379/7")


def postgres_bin():
    try:
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return Path(found) if (Path(found) / "pg_basebackup").exists() else None


@pytest.fixture(scope="module")
def clusters():
    if connection.vendor != "postgresql":
        pytest.skip("runs where the suite runs on PostgreSQL")
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL's server programs are not installed")
    as_postgres = []
    folder = Path(tempfile.mkdtemp(prefix="spreadwatch-replication-"))
    if os.geteuid() == 0:
        # The server refuses to run as root.
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]

    def run(*args, check=True):
        return subprocess.run(
            [*as_postgres, *map(str, args)], capture_output=True, text=True, check=check
        )

    primary, replica = (
        Cluster("primary", folder, run, bindir),
        Cluster("replica", folder, run, bindir),
    )
    try:
        primary.create()
        primary.start()
        primary.sql("CREATE DATABASE spreadwatch")
        replica.copy_of(primary)
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(folder, ignore_errors=True)


class Cluster:
    def __init__(self, name, folder, run, bindir):
        self.name, self.run, self.bindir = name, run, bindir
        self.data = folder / name
        self.port = free_port()
        self.sockets = folder

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/spreadwatch"

    def create(self):
        self.run(self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust")
        with (self.data / "postgresql.conf").open("a") as settings:
            settings.write("wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
            settings.write("fsync = off\n")  # a throwaway cluster: no need to wait for disks

    def copy_of(self, primary):
        """A streaming replica of `primary`, from a base backup (-R writes its connection)."""
        self.run(
            self.bindir / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            primary.port,
            "-U",
            "postgres",
            "-D",
            self.data,
            "-R",
            "-X",
            "stream",
        )

    def start(self):
        self.run(
            self.bindir / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.data.parent / f"{self.name}.log",
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.sockets}",
            "-w",
            "start",
        )

    def stop(self):
        if self.data.exists():
            self.run(
                self.bindir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False
            )

    def sql(self, statement, database="postgres"):
        return self.run(
            "psql",
            f"postgres://postgres@127.0.0.1:{self.port}/{database}",
            "-Atqc",
            statement,
        ).stdout.strip()

    def barriers_described(self, text):
        return int(
            self.sql(
                f"SELECT count(*) FROM barriers_barrier WHERE description = '{text}'",
                "spreadwatch",
            )
        )


def caught_up(primary, replica, timeout=30):
    """Wait until the replica has replayed everything the primary has written."""
    target = primary.sql("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
            return
        time.sleep(0.1)
    pytest.fail("the replica did not catch up")


def reads_on(cluster):
    """Rows of the app's tables read there (the system catalogs, which every new connection
    reads, left out): it grows when a page reads there, counted when the connection that read
    them closes (the server closes each after its request)."""
    return int(
        cluster.sql(
            "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) "
            "FROM pg_stat_user_tables",
            "spreadwatch",
        )
    )


def rows_read(cluster, before, at_least, timeout=10):
    """How many more rows `cluster` has read than `before`, once at least `at_least` (the
    statistics arrive shortly after each connection closes), or after `timeout`."""
    deadline = time.monotonic() + timeout
    while (grown := reads_on(cluster) - before) < at_least and time.monotonic() < deadline:
        time.sleep(0.2)
    return grown


@pytest.fixture(scope="module")
def app(clusters):
    primary, replica = clusters
    env = {
        **os.environ,
        "DATABASE_URL": primary.url,
        "DATABASE_REPLICA_URLS": replica.url,
        "CACHE_URL": REDIS_URL,
        "DEBUG": "false",
        "TESTING": "false",
        "SECRET_KEY": "replication-test-secret-key-" + "x" * 30,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        # A connection per request: the replica's statistics count each request's reads.
        "CONN_MAX_AGE": "0",
        # Check the replica on every request, pin a writer for 3 s, and tolerate a replica
        # whose replay is paused (it lags by as long as it has been paused).
        "REPLICA_CHECK_SECONDS": "0",
        "REPLICA_PIN_SECONDS": "3",
        "REPLICA_MAX_LAG_SECONDS": "3600",
        "PYTHONPATH": str(ROOT),
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "seed_demo", "--scale", "small", "--password", PASSWORD, "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()",
            REDIS_URL,
        ],
        check=True,
    )
    caught_up(primary, replica)
    with serving(env, "-c", "adoption/config/gunicorn.py", "--workers", "1") as base:
        yield base


def signed_in(base, username):
    browser = Browser(base)
    browser.sign_in(username, PASSWORD)
    return browser


def test_reads_on_the_replica_writes_on_the_primary_and_a_writer_sees_its_write(clusters, app):
    primary, replica = clusters
    lead, national = signed_in(app, "lead"), signed_in(app, "national")
    time.sleep(3.5)  # the pins from signing in run out

    # Pages that only read are served by the replica.
    before = reads_on(replica), reads_on(primary)
    for path in ("/dashboard/", "/dashboard/barriers/", "/barriers/", "/api/v1/barriers/"):
        assert national.get(path)[0] == 200, path
    on_replica = rows_read(replica, before[0], at_least=1000)
    assert on_replica >= 1000
    assert rows_read(primary, before[1], at_least=0) < on_replica / 10

    # With the replica's replay paused, a lead logs a barrier: it is saved on the primary.
    replica.sql("SELECT pg_wal_replay_pause()")
    text = f"Logged while the replica was paused {time.time()}"
    form = lead.form("/barriers/new/", "description")
    status, location = lead.post(
        "/barriers/new/",
        form["fields"]
        | {
            "innovation": next(choice for choice in form["choices"]["innovation"] if choice),
            "category": form["choices"]["category"][0],
            "description": text,
            "severity": "3",
            "status": "open",
        },
    )
    assert status == 302, "the barrier was not saved"
    public_id = re.search(r"/barriers/([0-9a-f]{16})/", location).group(1)
    assert primary.barriers_described(text) == 1
    assert replica.barriers_described(text) == 0

    # The lead's next pages come from the primary: they show it.
    assert text.encode() in lead.get(f"/barriers/{public_id}/")[2]
    assert public_id.encode() in lead.get("/barriers/")[2]
    # A national user reading the replica does not see it yet...
    with pytest.raises(urllib.error.HTTPError) as missing:
        national.get(f"/barriers/{public_id}/")
    assert missing.value.code == 404
    # ...and nor does the lead once their pin has run out.
    time.sleep(3.5)
    assert public_id.encode() not in lead.get("/barriers/")[2]

    # Replay resumes: everyone sees it.
    replica.sql("SELECT pg_wal_replay_resume()")
    caught_up(primary, replica)
    assert text.encode() in national.get(f"/barriers/{public_id}/")[2]

    # The figures are cached in the shared Redis, never in a database.
    import redis

    assert redis.Redis.from_url(REDIS_URL).dbsize() > 0


def test_a_stopped_replica_falls_back_to_the_primary_with_no_error(clusters, app):
    primary, replica = clusters
    national = signed_in(app, "national")
    time.sleep(3.5)
    replica.stop()

    for path in ("/dashboard/", "/barriers/", "/dashboard/what-worked/", "/api/v1/barriers/"):
        assert national.get(path)[0] == 200, path
    assert Browser(app).get("/healthz")[0] == 200

    admin = signed_in(app, "admin")
    status, _, body = admin.get("/status/replicas")
    assert status == 200 and b'"healthy": false' in body
