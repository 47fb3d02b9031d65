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
    # open-barrier counts, open barriers, and the four headline counts.
    "/": 10,
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
