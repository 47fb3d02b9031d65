"""Reads from PostgreSQL streaming replicas; writes, and reads that must see them, on the primary.

Configured by `DATABASE_REPLICA_URLS` (settings.py): each replica is a database alias
("replica1", …) beside "default", the primary. With none configured every query goes to the
primary and nothing here does anything.

Which database a query goes to:

- **Writes** always go to the primary (`ReplicaRouter.db_for_write`), and so do migrations and
  everything a management command reads: only a web request may read a replica.
- **Reads in a request** go to one replica, chosen when the request starts
  (`ReadFromReplicas`), when the request is a GET or HEAD, the user has not written in the last
  `REPLICA_PIN_SECONDS`, and a replica is healthy. Otherwise they go to the primary. So a
  lead always sees what they just saved, however far a replica lags; a national user's
  dashboard may be a few seconds behind.
- **Reads inside a transaction** on the primary (every write service's unit of work) read the
  primary, as do sessions and the cache table: a user's sign-in and the shared figure cache
  must never depend on replication.

A replica is healthy while it answers and has replayed what it has received, or lags the
primary by at most `REPLICA_MAX_LAG_SECONDS`. Each process checks a replica at most every
`REPLICA_CHECK_SECONDS`; one that fails is left alone until then, and its reads go to another
replica or the primary. `/healthz` looks only at the primary; `/status/replicas` (administrators
only) shows what each process last saw of each replica.
"""

import contextvars
import itertools
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

log = logging.getLogger(__name__)

# The database this request reads, when it may read a replica.
_reading = contextvars.ContextVar("replica_reading", default=None)

# Apps whose reads stay on the primary: who is signed in (sessions, users, API tokens) and
# what they may see (memberships) must follow a change at once, not when a replica catches up
# (a password changed or a membership ended takes effect on the next request); and the figure
# cache's table must take writes and read them back. Each is a lookup by key per request.
PRIMARY_ONLY_APPS = {"sessions", "auth", "knox", "accounts", "django_cache"}

PIN_COOKIE = "sw_primary"
PIN_SALT = "adoption.core.replicas.pin"

# PostgreSQL's own view of a standby's lag: none while it has replayed all it has received,
# else the time since the last transaction it replayed was committed on the primary.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


@dataclass
class ReplicaState:
    """What this process last saw of one replica."""

    alias: str
    healthy: bool = False
    lag: float | None = None  # seconds behind the primary, when it answered
    error: str = ""
    checked_at: float = 0.0  # time.monotonic() of the last check; 0: never checked
    reads: int = 0  # requests that have read it

    def as_dict(self):
        return {
            "alias": self.alias,
            "healthy": self.healthy,
            "lag_seconds": self.lag,
            "error": self.error,
            "checked_seconds_ago": (
                round(time.monotonic() - self.checked_at, 1) if self.checked_at else None
            ),
            "requests_read": self.reads,
        }


class Replicas:
    """The replicas' health as this process sees it, and the choice of one for a request."""

    def __init__(self):
        self._lock = threading.Lock()
        self._states = {}
        self._turns = itertools.count()

    def states(self):
        with self._lock:
            return [self._state(alias) for alias in replica_aliases()]

    def _state(self, alias):
        return self._states.setdefault(alias, ReplicaState(alias))

    def choose(self):
        """A healthy replica's alias, taking turns among them, or None (read the primary)."""
        aliases = replica_aliases()
        if not aliases:
            return None
        start = next(self._turns)
        for offset in range(len(aliases)):
            alias = aliases[(start + offset) % len(aliases)]
            if self._healthy(alias):
                with self._lock:
                    self._state(alias).reads += 1
                return alias
        return None

    def _healthy(self, alias):
        with self._lock:
            state = self._state(alias)
            now = time.monotonic()
            due = not state.checked_at or now - state.checked_at >= settings.REPLICA_CHECK_SECONDS
            if due:
                # Claimed under the lock, checked outside it: the other threads go on with
                # what was last seen meanwhile.
                state.checked_at = now
        if due:
            self._check(state)
        return state.healthy

    def _check(self, state):
        was_healthy = state.healthy
        connection = connections[state.alias]
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                state.lag = float(cursor.fetchone()[0])
        except DatabaseError as error:
            # A dead connection is closed, so the next check connects afresh.
            connection.close()
            state.healthy, state.lag, state.error = False, None, str(error).strip()[:200]
            log.warning("Replica %s does not answer: %s", state.alias, state.error)
            return
        state.healthy = state.lag <= settings.REPLICA_MAX_LAG_SECONDS
        state.error = "" if state.healthy else f"lags {state.lag:.1f} s"
        if was_healthy and not state.healthy:
            log.warning("Replica %s lags %.1f s: reading the primary", state.alias, state.lag)

    def reset(self):
        with self._lock:
            self._states.clear()


replicas = Replicas()


def reading():
    """The replica this request reads, or None."""
    return _reading.get()


class ReplicaRouter:
    """Django's database router for the rules in the module docstring."""

    def db_for_read(self, model, **hints):
        alias = _reading.get()
        if alias is None or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data: a replica is a copy of the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def pinned(request):
    """Whether this browser wrote in the last REPLICA_PIN_SECONDS."""
    return (
        request.get_signed_cookie(
            PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS
        )
        is not None
    )


def _reading_from(alias, chunks):
    """`chunks`, produced reading from `alias` (None: the primary)."""
    token = _reading.set(alias)
    try:
        yield from chunks
    finally:
        _reading.reset(token)


class ReadFromReplicas:
    """Middleware: choose the database a request reads, and pin a browser that writes to the
    primary for REPLICA_PIN_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        safe = request.method in ("GET", "HEAD")
        alias = replicas.choose() if safe and not pinned(request) else None
        token = _reading.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _reading.reset(token)
        if response.streaming:
            # A streamed download (the CSV) reads as it is sent, after this returns.
            response.streaming_content = _reading_from(alias, response.streaming_content)
        if not safe:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
