"""Responses carrying a signed-in user's data are never kept by a shared or disk cache."""

import pytest

from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

DATA_RESPONSES = [
    "/",
    "/barriers/",
    "/barriers/export.csv",
    "/adoptions/export.csv",
    "/dashboard/",
    "/dashboard/barriers/",
    "/dashboard/organisations/RAA/",
    "/api/v1/barriers/",
    "/api/v1/dashboards/spread/",
    "/api/schema/",
]


@pytest.mark.parametrize("url", DATA_RESPONSES)
def test_data_responses_are_private_and_not_stored(client, world, url):
    response = signed_in(client, world.national).get(url)

    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_barrier_detail_is_private_and_not_stored(client, world):
    response = signed_in(client, world.lead_a).get(f"/barriers/{world.confidential_a.public_id}/")

    assert response.status_code == 200
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
