"""Which database each query goes to when read replicas are configured: reads of a page that
only reads go to a healthy replica; writes, reads in a write's transaction, sessions, the cache
and a browser's reads just after it wrote go to the primary. The real thing, with a streaming
replica, is tests/replication/test_streaming_replica.py."""

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import override_settings
from knox.models import AuthToken

from adoption.accounts.models import Membership
from adoption.barriers.models import Barrier
from adoption.core import replicas
from adoption.core.replicas import (
    PIN_COOKIE,
    ReadFromReplicas,
    ReplicaRouter,
    Replicas,
    replica_aliases,
)

# Outside a test transaction: reads inside a transaction are the primary's by rule.
pytestmark = pytest.mark.django_db(transaction=True)

router = ReplicaRouter()


@pytest.fixture
def one_replica(monkeypatch):
    """A replica called replica1 that is healthy, as this process sees it."""
    monkeypatch.setattr(replicas, "replica_aliases", lambda: ["replica1"])
    monkeypatch.setattr(replicas.replicas, "choose", lambda: "replica1")


def served(request, view):
    """The database `view` read from while the middleware handled `request`, and the response."""
    seen = {}

    def read(request):
        seen["alias"] = router.db_for_read(Barrier)
        return view(request)

    response = ReadFromReplicas(read)(request)
    return seen["alias"], response


def ok(request):
    return HttpResponse("ok")


def test_with_no_replica_configured_everything_reads_the_primary(rf):
    assert replica_aliases() == []
    assert served(rf.get("/dashboard/"), ok)[0] == "default"
    assert router.db_for_read(Barrier) == "default"


def test_a_page_that_only_reads_reads_a_replica(rf, one_replica):
    for method in ("get", "head"):
        alias, response = served(getattr(rf, method)("/dashboard/"), ok)
        assert alias == "replica1"
        assert PIN_COOKIE not in response.cookies


def test_outside_a_request_everything_reads_the_primary(one_replica):
    # Management commands, migrations and the write services' checks.
    assert router.db_for_read(Barrier) == "default"


def test_writes_and_everything_a_write_request_reads_go_to_the_primary(rf, one_replica):
    alias, response = served(rf.post("/barriers/new/"), ok)
    assert alias == "default"
    assert router.db_for_write(Barrier) == "default"
    # ...and the browser is pinned to the primary for a while.
    assert response.cookies[PIN_COOKIE]["max-age"] == 5


def test_after_writing_a_browser_reads_the_primary_until_its_pin_expires(
    rf, one_replica, monkeypatch
):
    _, response = served(rf.post("/barriers/new/"), ok)
    pinned = rf.get("/barriers/")
    pinned.COOKIES[PIN_COOKIE] = response.cookies[PIN_COOKIE].value
    assert served(pinned, ok)[0] == "default"

    # Later (the signature's age is checked), or with a cookie not signed by the service.
    with override_settings(REPLICA_PIN_SECONDS=1):
        monkeypatch.setattr("django.core.signing.time.time", lambda: 2e10)
        assert served(pinned, ok)[0] == "replica1"
    forged = rf.get("/barriers/")
    forged.COOKIES[PIN_COOKIE] = "1"
    assert served(forged, ok)[0] == "replica1"


def test_reads_inside_a_transaction_who_is_signed_in_and_the_cache_stay_on_the_primary(
    rf, one_replica
):
    def view(request):
        inside = {}
        with transaction.atomic():
            inside["barrier"] = router.db_for_read(Barrier)
        cache_entry = DatabaseCache("spreadwatch_cache", {}).cache_model_class
        for name, model in {
            "session": Session,
            "user": User,
            "token": AuthToken,
            "membership": Membership,
            "cache": cache_entry,
        }.items():
            inside[name] = router.db_for_read(model)
        return HttpResponse(repr(sorted(set(inside.values()))))

    _, response = served(rf.get("/"), view)
    assert response.content.decode() == repr(["default"])


def test_a_streamed_download_reads_the_replica_while_it_is_sent(rf, one_replica):
    def download(request):
        def rows():
            yield router.db_for_read(Barrier)  # as the CSV's queryset is read

        return StreamingHttpResponse(rows())

    _, response = served(rf.get("/barriers/export.csv"), download)
    assert b"".join(response.streaming_content) == b"replica1"
    assert router.db_for_read(Barrier) == "default"  # and nothing after it


def test_migrations_run_only_on_the_primary():
    assert router.allow_migrate("default", "barriers")
    assert not router.allow_migrate("replica1", "barriers")


class FakeReplica:
    """A replica connection whose lag or failure the test sets."""

    def __init__(self):
        self.lag, self.fails, self.asked, self.closed = 0.0, False, 0, 0

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql):
        self.asked += 1
        if self.fails:
            raise DatabaseError("connection refused")

    def fetchone(self):
        return (self.lag,)

    def close(self):
        self.closed += 1


@pytest.fixture
def two_replicas(monkeypatch):
    fakes = {"replica1": FakeReplica(), "replica2": FakeReplica()}
    monkeypatch.setattr(replicas, "replica_aliases", lambda: list(fakes))
    monkeypatch.setattr(replicas, "connections", fakes)
    return fakes


@override_settings(REPLICA_CHECK_SECONDS=0, REPLICA_MAX_LAG_SECONDS=10)
def test_reads_take_turns_among_healthy_replicas_and_avoid_one_that_lags_or_is_down(
    two_replicas,
):
    chooser = Replicas()
    assert {chooser.choose(), chooser.choose()} == {"replica1", "replica2"}

    two_replicas["replica1"].lag = 11.0
    assert {chooser.choose() for _ in range(4)} == {"replica2"}

    two_replicas["replica2"].fails = True
    assert chooser.choose() is None  # the primary
    assert two_replicas["replica2"].closed == 1  # reconnects when next checked

    two_replicas["replica1"].lag = 0.0
    two_replicas["replica2"].fails = False
    assert {chooser.choose(), chooser.choose()} == {"replica1", "replica2"}
    states = {state.alias: state.as_dict() for state in chooser.states()}
    assert states["replica1"]["healthy"] and states["replica1"]["lag_seconds"] == 0.0


@override_settings(REPLICA_CHECK_SECONDS=3600)
def test_each_process_asks_a_replica_how_it_is_at_most_once_per_check_interval(two_replicas):
    chooser = Replicas()
    for _ in range(10):
        chooser.choose()
    assert two_replicas["replica1"].asked == 1
    assert two_replicas["replica2"].asked == 1


def test_the_replica_status_page_is_for_administrators_only(client, world):
    from tests.integration.conftest import signed_in

    for role in ("lead_a", "national"):
        signed_in(client, world.users[role])
        assert client.get("/status/replicas").status_code == 403
    signed_in(client, world.users["admin"])
    response = client.get("/status/replicas")
    assert response.status_code == 200
    assert response.json()["replicas"] == []
