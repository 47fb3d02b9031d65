"""Cached dashboard figures are reused only while the data they counted is unchanged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adoption.barriers import services
from adoption.barriers.models import Barrier
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    InnovationFactory,
    OrganisationFactory,
    RegionFactory,
    category,
)
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db


def open_barriers(client):
    return client.get("/dashboard/").context["figures"]["open_barriers"]


def test_repeat_view_is_served_from_cache(client, world):
    signed_in(client, world.national)
    client.get("/dashboard/barriers/")

    with CaptureQueriesContext(connection) as warm:
        client.get("/dashboard/barriers/")

    # Session, user, memberships, filter choices and one data-version read per figure; no
    # barrier is counted again.
    assert not any("COUNT" in q["sql"] for q in warm.captured_queries)


def test_a_logged_barrier_shows_at_once(client, world):
    signed_in(client, world.national)
    before = open_barriers(client)

    services.record_barrier(
        by=world.lead_a,
        fields={
            "innovation": world.innovation,
            "organisation": world.trust_a,
            "category": category("procurement"),
            "severity": 2,
            "description": "Framework does not fit",
        },
    )

    assert open_barriers(client) == before + 1


@pytest.mark.parametrize("change", ["status", "delete", "edit"])
def test_every_kind_of_change_invalidates(client, world, change):
    signed_in(client, world.national)
    barrier = world.barrier_b
    before = open_barriers(client)

    if change == "status":
        services.change_barrier_status(
            by=world.lead_b,
            barrier=barrier,
            status="accepted",
            resolved_on=barrier.identified_on,
            expected_version=1,
        )
    elif change == "delete":
        services.delete_barrier(by=None, barrier=barrier)
    else:
        BarrierFactory(innovation=world.innovation, organisation=world.trust_b)

    expected = Barrier.objects.open().count()
    assert open_barriers(client) == expected != before


def test_users_who_see_different_barriers_never_share_figures(client, world):
    signed_in(client, world.national)
    national = open_barriers(client)
    client.logout()
    signed_in(client, world.lead_b)

    assert open_barriers(client) == national - 1  # trust A's confidential barrier


def test_the_shared_database_cache_works_as_deployed(client, world, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "spreadwatch_cache",
        }
    }
    signed_in(client, world.national)
    before = open_barriers(client)
    assert open_barriers(client) == before  # served from the table the migration made

    services.delete_barrier(by=None, barrier=world.barrier_b)

    assert open_barriers(client) == before - 1


def counting(queries):
    """The queries that counted records or tallies (a cached figure runs none)."""
    return [
        q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"] or "COUNT(" in q["sql"]
    ]


def log_barrier(world, innovation, organisation):
    services.record_barrier(
        by=None,
        fields={
            "innovation": innovation,
            "organisation": organisation,
            "category": category("procurement"),
            "severity": 2,
            "description": "Framework does not fit",
        },
    )


def ranked_open(client, url):
    rows = client.get(url).context["tables"]["ranking"].rows
    return sum(row["open"] for row in rows)


@pytest.mark.parametrize(
    "page", ["/dashboard/barriers/?innovation={}", "/dashboard/innovations/{}/"]
)
def test_a_write_keeps_other_innovations_figures_and_refreshes_its_own(client, world, page):
    other = InnovationFactory(name="Remote monitoring")
    BarrierFactory(innovation=other, organisation=world.trust_b)
    signed_in(client, world.national)
    mine, theirs = page.format(world.innovation.pk), page.format(other.pk)
    client.get(mine), client.get(theirs)

    log_barrier(world, world.innovation, world.trust_a)

    with CaptureQueriesContext(connection) as kept:
        client.get(theirs)
    with CaptureQueriesContext(connection) as refreshed:
        client.get(mine)
    assert counting(kept) == []
    assert counting(refreshed) != []


def test_a_write_keeps_other_regions_figures_and_refreshes_its_own(client, world):
    north = RegionFactory(ods_code="Y62", name="North West")
    OrganisationFactory(ods_code="RNN", region=north)
    signed_in(client, world.national)
    london, north_west = "/dashboard/barriers/?region=Y56", "/dashboard/barriers/?region=Y62"
    before = ranked_open(client, london)
    client.get(north_west)

    log_barrier(world, world.innovation, world.trust_a)

    with CaptureQueriesContext(connection) as kept:
        client.get(north_west)
    assert counting(kept) == []
    assert ranked_open(client, london) == before + 1
    # A national figure counts every region: it is refreshed by any write.
    with CaptureQueriesContext(connection) as national:
        client.get("/dashboard/barriers/")
    assert counting(national) != []


def test_the_spread_pages_why_is_refreshed_by_a_write_in_another_region(client, world):
    """Filtered to a region, the Spread page still compares with every region: a write
    elsewhere must refresh it."""
    north = RegionFactory(ods_code="Y62", name="North West")
    elsewhere = OrganisationFactory(ods_code="RNN", region=north)
    signed_in(client, world.national)
    client.get("/dashboard/?region=Y56")

    log_barrier(world, world.innovation, elsewhere)

    with CaptureQueriesContext(connection) as refreshed:
        client.get("/dashboard/?region=Y56")
    assert counting(refreshed) != []


def test_after_a_write_the_spread_matrix_counts_again_only_the_innovation_written_to(
    client, world, monkeypatch
):
    from adoption.dashboards import aggregates

    other = InnovationFactory(name="Remote monitoring")
    AdoptionFactory(innovation=other, organisation=world.trust_b)
    signed_in(client, world.national)
    client.get("/dashboard/")
    log_barrier(world, world.innovation, world.trust_a)
    counted = []
    matrix_of = aggregates._matrix_of

    def recording(adoptions, **kwargs):
        counted.append(sorted(set(adoptions.values_list("innovation_id", flat=True))))
        return matrix_of(adoptions, **kwargs)

    monkeypatch.setattr(aggregates, "_matrix_of", recording)

    response = client.get("/dashboard/")

    assert counted == [[world.innovation.pk]]
    innovations = {row["innovation"] for row in response.context["tables"]["matrix"].rows}
    assert innovations == {world.innovation.name, other.name}


def test_a_pages_figures_are_stored_once_its_response_has_gone(world, rf):
    from django.core.cache import cache
    from django.core.signals import request_finished
    from django.db import close_old_connections
    from django.http import HttpResponse

    from adoption.dashboards.cache import StoreFiguresAfterResponse, cached

    counted = []

    @cached
    def figure(n):
        counted.append(n)
        return n * 2

    def view(request):
        # Counted once per request, however often a page asks.
        return HttpResponse(f"{figure(21)} {figure(21)}")

    cache.clear()
    response = StoreFiguresAfterResponse(view)(rf.get("/dashboard/"))
    assert response.content == b"42 42" and counted == [21]
    # Nothing is stored while the response is on its way (the tests' cache is in memory)...
    assert len(cache._cache) == 0
    # (As the test client does, keep the test's database connection open meanwhile.)
    request_finished.disconnect(close_old_connections)
    try:
        request_finished.send(sender=None)
    finally:
        request_finished.connect(close_old_connections)
    # ...and once it has gone, the figure is, and is served from there.
    assert len(cache._cache) == 1
    assert figure(21) == 42 and counted == [21]


def test_figures_counted_outside_a_request_are_stored_at_once(world):
    from adoption.dashboards.cache import cached

    counted = []

    @cached
    def figure(n):
        counted.append(n)
        return n + 1

    assert (figure(1), figure(1)) == (2, 2)
    assert counted == [1]
