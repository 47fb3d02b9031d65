"""SQL queries per page stay bounded and independent of the amount of data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adoption.barriers.models import Stage
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    EnablerActionFactory,
    InnovationFactory,
    OrganisationFactory,
)
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db


def grow(world, n):
    """Add n adoptions at trust A, each with barriers at A and elsewhere, and actions."""
    for _ in range(n):
        innovation = InnovationFactory()
        AdoptionFactory(innovation=innovation, organisation=world.trust_a, stage=Stage.PILOTING)
        barrier = BarrierFactory(innovation=innovation, organisation=world.trust_a)
        BarrierFactory(
            innovation=innovation, organisation=OrganisationFactory(region=world.region)
        )
        EnablerActionFactory(barrier=barrier)


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


PAGES = {
    # session, user, memberships, then per page: the lead home reads adoptions with their
    # open-barrier counts, how many barriers are open and due, the first open barriers, the
    # innovations it may start recording, and the headline counts (adoptions, organisations,
    # innovations, the tallied open barriers and the confidential ones the lead may not see,
    # in two counts).
    "/": 14,
    # session, user, memberships, filter choices (regions, ICBs, innovations, pathways,
    # categories), count, page of rows.
    "/barriers/": 11,
    "/barriers/?status=open&region=Y56": 12,
}


@pytest.mark.parametrize(("url", "budget"), PAGES.items())
def test_page_queries_bounded_and_independent_of_data_size(client, world, url, budget):
    signed_in(client, world.lead_a)
    grow(world, 2)
    small = queries(client, url)

    grow(world, 20)
    large = queries(client, url)

    assert small == large
    assert large <= budget


def test_barrier_detail_queries_independent_of_actions_and_history(client, world):
    from adoption.barriers import services

    signed_in(client, world.lead_a)
    barrier = world.barrier_a
    url = f"/barriers/{barrier.public_id}/"
    EnablerActionFactory(barrier=barrier)
    small = queries(client, url)

    for n in range(8):
        EnablerActionFactory(barrier=barrier)
        services.update_barrier(
            by=world.lead_a,
            barrier=barrier,
            fields={"description": f"Edit {n}"},
            expected_version=barrier.version + n,
        )
    large = queries(client, url)

    assert small == large


def test_adoption_page_queries_independent_of_stage_history(client, world):
    from adoption.barriers import services

    signed_in(client, world.lead_a)
    url = f"/adoptions/{world.adoption_a.pk}/"
    small = queries(client, url)

    for stage in [Stage.BUSINESS_CASE, Stage.PILOTING, Stage.IMPLEMENTING]:
        services.change_stage(by=world.lead_a, adoption=world.adoption_a, stage=stage)
    large = queries(client, url)

    assert small == large


# The write services' budgets. Logging a barrier for an adoption already recorded (the test
#   looks up its category: 1): the innovation, organisation, category and reporter exist (4);
#   lock the adoption (1); insert the barrier, set its public id and write its history row
#   (3); set a partner, with its history (5); count what it adds to each of the seven tallies
#   kept per place (7; the national roll-ups are added up from those counts); add to the six
#   tallies an open barrier reaches (6); bump the scopes' versions (1); the savepoint (2); on
#   PostgreSQL, check foreign keys as rows are written rather than at COMMIT (1).
RECORD_BARRIER_QUERIES = 31
# Editing one: lock it (1); the related records exist (4); count what it contributed to each
#   tally before and after, with its actions (14); save it, its history row and its actions'
#   copies (3); read its partners, unchanged (1); add the differences (6); bump the scopes'
#   versions (1); savepoints (2); on PostgreSQL, foreign keys checked as written (1). Replacing
#   a partner costs 11 more, with the history of each step.
UPDATE_BARRIER_QUERIES = 35


def barrier_fields(world, innovation):
    from tests.factories import category

    return {
        "innovation": innovation,
        "organisation": world.trust_a,
        "category": category("silo-working"),
        "severity": 3,
        "description": "Savings land in primary care.",
    }


def test_logging_and_editing_a_barrier_stay_within_their_query_budgets(world):
    from adoption.barriers import services
    from tests.factories import category

    with CaptureQueriesContext(connection) as logging:
        barrier = services.record_barrier(
            by=world.lead_a,
            fields=barrier_fields(world, world.innovation),
            partners=[world.trust_b],
        )
    pressure = category("savings-pressure")
    with CaptureQueriesContext(connection) as editing:
        services.update_barrier(
            by=world.lead_a,
            barrier=barrier,
            fields={"category": pressure},
            partners=[world.trust_b],
            expected_version=barrier.version,
        )

    assert len(logging) <= RECORD_BARRIER_QUERIES
    assert len(editing) <= UPDATE_BARRIER_QUERIES


def test_write_budgets_do_not_grow_with_the_data(world):
    from adoption.barriers import services

    def logged():
        with CaptureQueriesContext(connection) as queries:
            services.record_barrier(
                by=world.lead_a, fields=barrier_fields(world, world.innovation)
            )
        return len(queries)

    small = logged()
    grow(world, 6)

    assert logged() == small
