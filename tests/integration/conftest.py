import datetime

import pytest

from adoption.accounts.models import Role
from adoption.barriers.models import Barrier, BarrierStatus, Stage
from adoption.registry.models import OrganisationType
from adoption.registry.services import refresh_icb_rollups
from tests.conftest import reseed_taxonomies
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    EnablerActionFactory,
    IcbFactory,
    InnovationFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    category,
    enabler,
)

PASSWORD = "correct-horse-battery"


class World:
    """Two trusts with a lead each, a national team member, a superuser, and barriers."""


def seeded_taxonomies():
    """The taxonomies the migrations seed; a transactional test empties the database after
    itself, so one that runs after another puts them back."""
    from adoption.barriers.models import BarrierCategory

    if not BarrierCategory.objects.exists():
        reseed_taxonomies()


@pytest.fixture
def world(db):
    seeded_taxonomies()
    w = World()
    w.region = RegionFactory(ods_code="Y56", name="London")
    w.trust_a = OrganisationFactory(ods_code="RAA", name="Trust A", region=w.region)
    w.trust_b = OrganisationFactory(ods_code="RBB", name="Trust B", region=w.region)
    w.trust_c = OrganisationFactory(ods_code="RCC", name="Trust C", region=w.region)
    w.pcn = OrganisationFactory(ods_code="U12345", name="A PCN", org_type=OrganisationType.PCN)
    w.national_body = OrganisationFactory(
        ods_code="X24", name="NHS England", org_type=OrganisationType.NATIONAL_BODY, region=None
    )
    w.innovation = InnovationFactory(name="Virtual wards")
    w.adoption_a = AdoptionFactory(
        innovation=w.innovation,
        organisation=w.trust_a,
        stage=Stage.EXPLORING,
        stage_changed_on=datetime.date(2026, 1, 5),
    )
    w.adoption_b = AdoptionFactory(innovation=w.innovation, organisation=w.trust_b)
    w.barrier_a = BarrierFactory(innovation=w.innovation, organisation=w.trust_a)
    w.confidential_a = BarrierFactory(
        innovation=w.innovation,
        organisation=w.trust_a,
        is_confidential=True,
        description="Board has not agreed the business case",
    )
    w.barrier_b = BarrierFactory(innovation=w.innovation, organisation=w.trust_b)
    w.lead_a = UserFactory(username="lead_a", first_name="Alex", last_name="Lead")
    w.lead_b = UserFactory(username="lead_b", first_name="Bo", last_name="Lead")
    w.national = UserFactory(username="national_member")
    w.admin = UserFactory(username="super", is_superuser=True, is_staff=True)
    MembershipFactory(user=w.lead_a, organisation=w.trust_a, role=Role.INNOVATION_LEAD)
    MembershipFactory(user=w.lead_b, organisation=w.trust_b, role=Role.INNOVATION_LEAD)
    MembershipFactory(user=w.national, organisation=w.national_body, role=Role.NATIONAL_TEAM)
    w.users = {
        "lead_a": w.lead_a,
        "lead_b": w.lead_b,
        "national": w.national,
        "admin": w.admin,
    }
    return w


@pytest.fixture
def resolved_elsewhere(world):
    """Trust C resolved the same kind of barrier for the same innovation, confidentially."""
    return BarrierFactory(
        innovation=world.innovation,
        organisation=world.trust_c,
        status=BarrierStatus.RESOLVED,
        identified_on=datetime.date(2025, 1, 1),
        resolved_on=datetime.date(2025, 3, 2),
        is_confidential=True,
    )


@pytest.fixture
def dashboard_rows(world, resolved_elsewhere):
    """An action that resolved the barrier elsewhere, and savings landing in another
    organisation: every dashboard table then has rows."""
    EnablerActionFactory(
        barrier=resolved_elsewhere,
        started_on=resolved_elsewhere.identified_on,
        completed_on=resolved_elsewhere.resolved_on,
        outcome="resolved",
    )
    BarrierFactory(
        innovation=world.innovation,
        organisation=world.trust_c,
        savings_organisation=world.pcn,
        cost_borne_gbp=1000,
        savings_elsewhere_gbp=5000,
    )
    return world


def barriers_like_b(world, n, description="Another"):
    """n more barriers like barrier B (open, in London), all identified on its day."""
    template = world.barrier_b
    Barrier.objects.bulk_create(
        Barrier(
            innovation=template.innovation,
            organisation=template.organisation,
            category=template.category,
            severity=template.severity,
            identified_on=template.identified_on,
            next_review_on=template.next_review_on,
            description=description,
        )
        for _ in range(n)
    )


def signed_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def places(db):
    """Two regions with an ICB each, a trust and a PCN under each ICB, two innovations, two
    barrier categories and two enablers: the ground random changes are made on."""
    north, south = RegionFactory(ods_code="Y62"), RegionFactory(ods_code="Y58")
    icbs = [IcbFactory(region=north), IcbFactory(region=south)]
    organisations = [
        OrganisationFactory(region=icb.region, parent=icb, org_type=org_type)
        for icb in icbs
        for org_type in (OrganisationType.ACUTE_TRUST, OrganisationType.PCN)
    ]
    refresh_icb_rollups()
    return {
        "regions": [north, south],
        "icbs": icbs,
        "orgs": organisations,
        "innovations": [InnovationFactory(), InnovationFactory()],
        "categories": [category("silo-working"), category("savings-land-elsewhere")],
        "enablers": [enabler("pooled-budget"), enabler("national-funding")],
    }


@pytest.fixture
def icb_world(world):
    """The world with trusts A and B in one ICB (its lead `icb_lead`), trust C in another
    (its lead `icb_other`), and barrier A escalated to A's ICB under the same public id as the
    barrier, so that every escalation URL of the URL walk names a real escalation."""
    from adoption.escalations import services as escalation_services

    world.icb = IcbFactory(ods_code="QAA", name="ICB One", region=world.region)
    world.icb_other = IcbFactory(ods_code="QCC", name="ICB Two", region=world.region)
    for trust, icb in ((world.trust_a, world.icb), (world.trust_b, world.icb)):
        trust.parent = icb
        trust.save()
    world.trust_c.parent = world.icb_other
    world.trust_c.save()
    refresh_icb_rollups()
    world.icb_lead = UserFactory(username="icb_lead", first_name="Ina", last_name="Icb")
    world.icb_lead_other = UserFactory(username="icb_other")
    MembershipFactory(user=world.icb_lead, organisation=world.icb, role=Role.ICB_LEAD)
    MembershipFactory(user=world.icb_lead_other, organisation=world.icb_other, role=Role.ICB_LEAD)
    world.users |= {"icb": world.icb_lead, "icb_other": world.icb_lead_other}
    world.escalation_a = escalation_services.escalate(
        by=world.lead_a,
        barrier=world.barrier_a,
        level="icb",
        lever="risk_share",
        ask="Share the risk of the first year's costs with the community trust.",
    )
    world.escalation_a.public_id = world.barrier_a.public_id
    world.escalation_a.save(update_fields=["public_id"])
    return world
