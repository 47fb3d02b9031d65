"""The lead's forms offer only what can be chosen, and refuse a forged choice beside the field;
a lead starts recording an innovation their organisation is exploring from their home page."""

import pytest

from adoption.accounts.models import Role
from adoption.barriers.models import Adoption, Barrier
from adoption.registry.models import OrganisationType
from tests.factories import InnovationFactory, MembershipFactory, category
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def innovations(world):
    """One innovation each for trusts, for primary care only, and for anyone."""
    return {
        "trusts": InnovationFactory(name="Remote monitoring"),
        "primary care": InnovationFactory(
            name="Social prescribing", adopter_types=[OrganisationType.PCN]
        ),
        "anyone": InnovationFactory(name="Shared care record", adopter_types=[]),
    }


def options(page):
    return {
        name
        for name in ("Remote monitoring", "Social prescribing", "Shared care record")
        if f">{name}</option>" in page
    }


def barrier_data(world, innovation):
    return {
        "organisation": world.trust_a.ods_code,
        "innovation": innovation.pk,
        "category": category("savings-land-elsewhere").pk,
        "severity": "3",
        "description": "The savings land in primary care, not with us.",
        "identified_on": "2026-02-03",
        "status": "open",
    }


def start(chosen, organisation, **overrides):
    return {
        "organisation": organisation.pk,
        "innovation": chosen.pk,
        "stage": "exploring",
        "route": "local",
    } | overrides


def test_log_a_barrier_lists_only_innovations_the_leads_organisation_adopts(
    client, world, innovations
):
    page = signed_in(client, world.lead_a).get("/barriers/new/").content.decode()

    assert options(page) == {"Remote monitoring", "Shared care record"}


def test_log_a_barrier_with_a_forged_innovation_refused_beside_the_field(
    client, world, innovations
):
    before = Barrier.objects.count()

    response = signed_in(client, world.lead_a).post(
        "/barriers/new/", barrier_data(world, innovations["primary care"])
    )

    assert response.status_code == 400
    assert response.context["form"].errors["innovation"] == ["Choose an innovation from the list."]
    assert Barrier.objects.count() == before


def test_lead_of_a_trust_and_a_pcn_cannot_log_a_primary_care_innovation_for_the_trust(
    client, world, innovations
):
    MembershipFactory(user=world.lead_a, organisation=world.pcn, role=Role.INNOVATION_LEAD)

    response = signed_in(client, world.lead_a).post(
        "/barriers/new/", barrier_data(world, innovations["primary care"])
    )

    assert response.status_code == 400
    assert "not adopted by organisations like yours (acute trust)" in " ".join(
        response.context["form"].errors["innovation"]
    )


def test_home_offers_to_start_recording_only_new_innovations_the_organisation_adopts(
    client, world, innovations
):
    page = signed_in(client, world.lead_a).get("/").content.decode()

    assert "Start recording an innovation Trust A is exploring" in page
    # Virtual wards is recorded already; primary care innovations are not for a trust.
    assert ">Virtual wards</option>" not in page
    assert options(page) == {"Remote monitoring", "Shared care record"}


def test_lead_starts_recording_an_innovation_at_exploring(client, world, innovations):
    response = signed_in(client, world.lead_a).post(
        "/adoptions/new/", start(innovations["trusts"], world.trust_a)
    )

    adoption = Adoption.objects.get(innovation=innovations["trusts"], organisation=world.trust_a)
    assert response.status_code == 302
    assert response["Location"] == f"/adoptions/{adoption.pk}/"
    assert (adoption.stage, adoption.route) == ("exploring", "local")
    assert adoption.stage_changes.get().changed_by == world.lead_a


def test_starting_an_innovation_already_recorded_refused_beside_the_field(client, world):
    response = signed_in(client, world.lead_a).post(
        "/adoptions/new/", start(world.innovation, world.trust_a)
    )

    assert response.status_code == 400
    assert "Trust A has already recorded Virtual wards" in " ".join(
        response.context["form"].errors["innovation"]
    )
    assert Adoption.objects.filter(organisation=world.trust_a).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"stage": "declined"}, "stage"),
        ({"route": "teleported"}, "route"),
        ({"innovation": "999999"}, "innovation"),
    ],
)
def test_starting_an_innovation_with_bad_input_refused(
    client, world, innovations, overrides, field
):
    response = signed_in(client, world.lead_a).post(
        "/adoptions/new/", start(innovations["trusts"], world.trust_a, **overrides)
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Adoption.objects.filter(innovation=innovations["trusts"]).exists()


def test_starting_a_primary_care_innovation_at_a_trust_refused(client, world, innovations):
    response = signed_in(client, world.lead_a).post(
        "/adoptions/new/", start(innovations["primary care"], world.trust_a)
    )

    assert response.status_code == 400
    assert response.context["form"].errors["innovation"]
    assert not Adoption.objects.filter(innovation=innovations["primary care"]).exists()


def test_only_leads_of_the_organisation_start_recording_its_innovations(
    client, world, innovations
):
    other_trust = signed_in(client, world.lead_b).post(
        "/adoptions/new/", start(innovations["trusts"], world.trust_a)
    )
    client.logout()
    national = signed_in(client, world.national).post(
        "/adoptions/new/", start(innovations["trusts"], world.trust_a)
    )

    assert other_trust.status_code == 400
    assert "where you are the innovation lead" in " ".join(
        other_trust.context["form"].errors["organisation"]
    )
    assert national.status_code == 403
    assert not Adoption.objects.filter(innovation=innovations["trusts"]).exists()


def test_start_recording_page_offers_the_leads_organisation(client, world, innovations):
    response = signed_in(client, world.lead_a).get("/adoptions/new/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{world.trust_a.pk}"' in page
    assert options(page) == {"Remote monitoring", "Shared care record"}
