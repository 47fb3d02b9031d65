"""The header offers each user the pages the access policy lets them use."""

import pytest

from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

LOG_A_BARRIER = 'href="/barriers/new/"'


@pytest.mark.parametrize("who, offered", [("lead_a", True), ("admin", True), ("national", False)])
def test_header_offers_log_a_barrier_to_those_who_may_log(client, world, who, offered):
    page = signed_in(client, world.users[who]).get("/barriers/").content.decode()
    header = page[: page.index("</header>")]

    assert (LOG_A_BARRIER in header) is offered
    assert client.get("/barriers/new/").status_code == (200 if offered else 403)
