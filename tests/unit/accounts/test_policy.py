"""The access policy's answers for each kind of user: a lead, a lead elsewhere, the national
team, a superuser, a signed-in user with no membership and an anonymous visitor."""

import pytest
from django.contrib.auth.models import AnonymousUser

from adoption.accounts.models import Role
from adoption.accounts.policy import Access
from adoption.barriers.models import Barrier
from tests.factories import BarrierFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust():
    return OrganisationFactory()


@pytest.fixture
def other_trust():
    return OrganisationFactory()


def lead_of(organisation):
    return MembershipFactory(organisation=organisation, role=Role.INNOVATION_LEAD).user


@pytest.fixture
def users(trust, other_trust):
    national = MembershipFactory(role=Role.NATIONAL_TEAM).user
    return {
        "lead": Access(lead_of(trust)),
        "lead elsewhere": Access(lead_of(other_trust)),
        "national": Access(national),
        "superuser": Access(UserFactory(is_superuser=True, is_staff=True)),
        "no membership": Access(UserFactory()),
        "anonymous": Access(AnonymousUser()),
    }


@pytest.fixture
def confidential(trust):
    return BarrierFactory(organisation=trust, is_confidential=True)


@pytest.fixture
def open_barrier(trust):
    return BarrierFactory(organisation=trust)


@pytest.mark.parametrize(
    "who, sees",
    [
        ("lead", True),
        ("lead elsewhere", False),
        ("national", True),
        ("superuser", True),
        ("no membership", False),
        ("anonymous", False),
    ],
)
def test_confidential_barrier_visible_only_to_its_organisation_and_national(
    users, confidential, who, sees
):
    access = users[who]

    assert access.may_view_barrier(confidential) is sees
    assert access.visible_barriers(Barrier.objects.all()).filter(pk=confidential.pk).exists() is (
        sees
    )


@pytest.mark.parametrize("who", ["lead elsewhere", "no membership", "anonymous"])
def test_non_confidential_barrier_visible_to_everyone(users, open_barrier, who):
    access = users[who]

    assert access.may_view_barrier(open_barrier)
    assert list(access.visible_barriers(Barrier.objects.all())) == [open_barrier]


def test_member_who_is_not_a_lead_sees_its_confidential_barriers(trust, confidential):
    member = MembershipFactory(organisation=trust, role=Role.NATIONAL_TEAM).user

    assert Access(member).may_view_barrier(confidential)


@pytest.mark.parametrize(
    "who, changes",
    [
        ("lead", True),
        ("lead elsewhere", False),
        ("national", False),
        ("superuser", True),
        ("no membership", False),
        ("anonymous", False),
    ],
)
def test_only_the_organisations_lead_or_a_superuser_changes_its_records(
    users, trust, open_barrier, who, changes
):
    access = users[who]

    assert access.may_change_for(trust.pk) is changes
    assert access.may_change_barrier(open_barrier) is changes


@pytest.mark.parametrize(
    "who, logs",
    [
        ("lead", True),
        ("lead elsewhere", True),
        ("national", False),
        ("superuser", True),
        ("no membership", False),
        ("anonymous", False),
    ],
)
def test_leads_and_superusers_may_log_barriers(users, who, logs):
    assert users[who].may_log_barriers is logs


@pytest.mark.parametrize(
    "who, national",
    [
        ("lead", False),
        ("national", True),
        ("superuser", True),
        ("no membership", False),
        ("anonymous", False),
    ],
)
def test_national_view_for_the_national_team_and_superusers(users, who, national):
    assert users[who].is_national is national


def test_organisations_led_are_the_users_own_or_all_for_a_superuser(users, trust, other_trust):
    assert list(users["lead"].organisations_led()) == [trust]
    assert list(users["national"].organisations_led()) == []
    assert {trust, other_trust} <= set(users["superuser"].organisations_led())


def test_only_a_superuser_grants_the_national_role(users):
    assert users["superuser"].may_grant_role(Role.NATIONAL_TEAM)
    assert not users["lead"].may_grant_role(Role.NATIONAL_TEAM)
    assert users["lead"].may_grant_role(Role.INNOVATION_LEAD)


def test_icb_lead_reads_like_everyone_and_changes_nothing(trust):
    from tests.factories import IcbFactory

    icb = IcbFactory()
    access = Access(MembershipFactory(organisation=icb, role=Role.ICB_LEAD).user)
    barrier = BarrierFactory(organisation=trust)
    confidential = BarrierFactory(organisation=trust, is_confidential=True)

    assert access.is_icb_lead and access.oversees_escalations
    assert not access.is_national and not access.may_log_barriers
    assert access.may_view_barrier(barrier) and not access.may_view_barrier(confidential)
    assert not access.may_change_barrier(barrier) and not access.may_escalate(barrier)


def test_only_superusers_grant_the_icb_lead_role(users):
    assert users["superuser"].may_grant_role(Role.ICB_LEAD)
    assert not users["lead"].may_grant_role(Role.ICB_LEAD)
    assert not users["national"].may_grant_role(Role.ICB_LEAD)
