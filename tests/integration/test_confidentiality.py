"""What other organisations see of an organisation is the same before and after it logs a
confidential barrier: no adoption appears, no mark is cleared, and no id or page position
counts the barriers they may not see."""

import base64
import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from adoption.barriers import services
from adoption.barriers.models import Adoption, Barrier, BarrierStatus
from tests.factories import BarrierFactory, InnovationFactory, category
from tests.integration.conftest import signed_in
from tests.integration.test_barrier_forms import valid_barrier

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()

# What another organisation's lead can read about trust A and its innovations.
SEEN_BY_OTHERS = [
    "/api/v1/adoptions/",
    "/api/v1/barriers/",
    "/api/v1/enabler-actions/",
    "/api/v1/dashboards/spread/",
    "/api/v1/dashboards/barriers/",
    "/api/v1/dashboards/what-worked/",
    "/api/v1/dashboards/savings/",
    "/api/v1/dashboards/organisations/RAA/",
    "/adoptions/export.csv",
    "/barriers/export.csv",
]


def seen_by(client, user, innovations):
    signed_in(client, user)
    urls = SEEN_BY_OTHERS + [f"/api/v1/dashboards/innovations/{i.pk}/" for i in innovations]
    seen = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = (
            b"".join(response.streaming_content) if response.streaming else response.content
        )
    return seen


def test_confidential_barrier_for_a_new_innovation_shows_nothing_to_others(client, world):
    other = InnovationFactory(name="Digital pathology")
    before = seen_by(client, world.lead_b, [world.innovation, other])

    response = signed_in(client, world.lead_a).post(
        "/barriers/new/", valid_barrier(world, innovation=other.pk, is_confidential="on")
    )

    assert response.status_code == 302
    assert not Adoption.objects.filter(innovation=other, organisation=world.trust_a).exists()
    assert seen_by(client, world.lead_b, [world.innovation, other]) == before


def test_confidential_barrier_keeps_the_no_barrier_mark(client, world):
    Barrier.objects.filter(organisation=world.trust_a).update(
        status=BarrierStatus.ACCEPTED, resolved_on=TODAY
    )
    confirmed = services.confirm_no_current_barrier(by=world.lead_a, adoption=world.adoption_a)
    before = seen_by(client, world.lead_b, [world.innovation])

    signed_in(client, world.lead_a).post(
        "/barriers/new/", valid_barrier(world, is_confidential="on")
    )

    world.adoption_a.refresh_from_db()
    assert world.adoption_a.no_barrier_confirmed_on == confirmed.no_barrier_confirmed_on
    assert world.adoption_a.version == confirmed.version
    assert seen_by(client, world.lead_b, [world.innovation]) == before


def test_barrier_made_visible_shows_on_its_adoption(client, world):
    other = InnovationFactory(name="Digital pathology")
    barrier = services.record_barrier(
        by=world.lead_a,
        fields={
            "innovation": other,
            "organisation": world.trust_a,
            "category": category("silo-working"),
            "severity": 3,
            "description": "Not yet ready to say.",
            "is_confidential": True,
        },
    )
    assert not Adoption.objects.filter(innovation=other).exists()

    services.update_barrier(
        by=world.lead_a,
        barrier=barrier,
        fields={"is_confidential": False},
        expected_version=barrier.version,
    )

    adoption = Adoption.objects.get(innovation=other, organisation=world.trust_a)
    assert adoption.stage == "exploring"


def test_barrier_and_action_ids_are_not_their_keys(client, world):
    response = signed_in(client, world.lead_b).get("/api/v1/barriers/").json()

    shown = {item["id"] for item in response["results"]}
    assert shown == set(
        Barrier.objects.filter(is_confidential=False).values_list("public_id", flat=True)
    )
    assert all(re.fullmatch("[0-9a-f]{16}", public_id) for public_id in shown)
    assert client.get(f"/barriers/{world.barrier_b.pk}/").status_code == 404
    assert client.get(f"/api/v1/barriers/{world.barrier_b.pk}/").status_code == 404
    assert client.get(f"/api/v1/barriers/{world.barrier_b.public_id}/").status_code == 200


def test_page_positions_do_not_carry_keys(client, world):
    """Paging through the register or the API never hands out a sequential key, whose gaps
    would count the confidential barriers in between."""
    for day in range(60):
        BarrierFactory(
            innovation=world.innovation,
            organisation=world.trust_b,
            identified_on=TODAY - datetime.timedelta(days=day % 7),
        )
    signed_in(client, world.lead_b)

    api_page = client.get("/api/v1/barriers/?page_size=10").json()
    cursor = parse_qs(urlparse(api_page["next"]).query)["cursor"][0]
    api_position = base64.b64decode(cursor + "==").decode()
    register = client.get("/barriers/").context["page"]

    # Each position names the last row shown by its date and public id, and nothing else.
    last = api_page["results"][-1]
    assert parse_qs(api_position)["p"][0] == last["identified_on"]
    assert last["id"] in api_position
    last_row = register.rows[-1]
    assert register.next_cursor == f"{last_row.identified_on.isoformat()}.{last_row.public_id}"
    keys = {str(pk) for pk in Barrier.objects.values_list("pk", flat=True)}
    numbers = set(re.findall(r"(?<![0-9a-f-])\d+(?![0-9a-f-])", api_position))
    assert not numbers & keys, api_position
