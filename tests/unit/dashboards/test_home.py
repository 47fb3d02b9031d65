"""The home page (/): a lead's own organisations first, then the service at a glance."""

import pytest

from adoption.accounts.models import Role
from adoption.accounts.policy import Access
from adoption.barriers.models import BarrierStatus, Stage
from adoption.dashboards.selectors import service_summary
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    InnovationFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    """One region with three trusts (one closed), two innovations, three adoptions and barriers
    of every kind at the first trust."""
    region = RegionFactory()
    trust = OrganisationFactory(region=region, name="Open Trust")
    OrganisationFactory(region=region, is_active=False)
    first, second = InnovationFactory(), InnovationFactory()
    AdoptionFactory(organisation=trust, innovation=first, stage=Stage.EMBEDDED)
    AdoptionFactory(organisation=trust, innovation=second, stage=Stage.EXPLORING)
    AdoptionFactory(
        organisation=OrganisationFactory(region=region), innovation=first, stage=Stage.IMPLEMENTING
    )
    BarrierFactory(organisation=trust, innovation=first)
    BarrierFactory(organisation=trust, innovation=first, status=BarrierStatus.BEING_ADDRESSED)
    BarrierFactory(organisation=trust, innovation=first, is_confidential=True)
    BarrierFactory(
        organisation=trust,
        innovation=first,
        status=BarrierStatus.RESOLVED,
        resolved_on="2026-02-01",
    )
    return trust


def test_service_summary_counts_what_the_user_may_see(service):
    outsider = Access(UserFactory())
    national = Access(MembershipFactory(role=Role.NATIONAL_TEAM).user)

    summary = service_summary(outsider)

    assert summary["innovations"] == 2
    assert (summary["adoptions"], summary["adopters"]) == (3, 2)
    assert summary["open_barriers"] == 2, "open or being addressed, not confidential"
    assert service_summary(national)["open_barriers"] == 3


def test_service_summary_leaves_out_closed_organisations(service):
    summary = service_summary(Access(UserFactory()))

    assert summary["organisations"] == 3, "the region and two of its three trusts"


def test_home_requires_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_shows_a_lead_their_organisation_first(client, service):
    lead = MembershipFactory(organisation=service, role=Role.INNOVATION_LEAD).user
    client.force_login(lead)

    page = client.get("/").content.decode()

    assert "<h1>Open Trust</h1>" in page
    assert "Across the NHS" in page


def test_home_shows_everyone_else_the_service_at_a_glance(client, service):
    client.force_login(UserFactory())

    response = client.get("/")

    assert response.status_code == 200
    assert "At a glance" in response.content.decode()
    assert response.context["summary"]["open_barriers"] == 2
