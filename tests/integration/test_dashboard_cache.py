"""Cached dashboard figures are reused only while the data they counted is unchanged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adoption.barriers import services
from adoption.barriers.models import Barrier
from tests.factories import BarrierFactory, category
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
