import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from adoption.accounts.models import Membership, Role
from adoption.barriers.models import Adoption, Barrier, EnablerAction, StageChange
from adoption.demo.demo_data import SCALES, content_digest
from adoption.registry.models import Innovation, Organisation, OrganisationType

pytestmark = pytest.mark.django_db

AS_OF = "2026-11-01"


def seed(*args):
    call_command("seed_demo", "--as-of", AS_OF, "--password", "pw-for-tests", *args, verbosity=0)


def test_same_seed_gives_identical_content():
    seed("--seed", "7")
    first = content_digest()

    seed("--seed", "7", "--replace")

    assert content_digest() == first


def test_different_seed_gives_different_content():
    seed("--seed", "7")
    first = content_digest()

    seed("--seed", "8", "--replace")

    assert content_digest() != first


def test_small_scale_counts_in_range():
    seed()

    # "A few hundred records": real regions and ICBs plus a small synthetic set.
    assert Organisation.objects.regions().count() == 7
    assert Organisation.objects.icbs().count() == 48
    assert 100 <= Organisation.objects.count() <= 200
    assert Innovation.objects.count() == 12
    assert 100 <= Adoption.objects.count() <= 400
    assert 300 <= Barrier.objects.count() <= 500
    assert EnablerAction.objects.exists()
    assert StageChange.objects.count() >= Adoption.objects.count()


def test_every_adoption_that_applies_is_created_but_one_the_lead_has_yet_to_record():
    seed()
    lead_organisation = Membership.objects.get(user__username="lead").organisation

    missing = [
        (innovation, organisation)
        for innovation in Innovation.objects.all()
        for organisation in Organisation.objects.filter(org_type__in=innovation.adopter_types)
        if not Adoption.objects.filter(innovation=innovation, organisation=organisation).exists()
    ]

    assert [organisation for _, organisation in missing] == [lead_organisation]


def test_stage_history_ends_at_the_current_stage():
    seed()

    for adoption in Adoption.objects.prefetch_related("stage_changes")[:50]:
        last = list(adoption.stage_changes.all())[-1]
        assert (last.to_stage, last.changed_on) == (adoption.stage, adoption.stage_changed_on)


def test_demo_users_and_memberships():
    seed()
    User = get_user_model()

    assert User.objects.get(username="admin").is_superuser
    national = Membership.objects.get(user__username="national")
    lead = Membership.objects.get(user__username="lead")
    assert national.role == Role.NATIONAL_TEAM
    assert national.organisation.org_type == OrganisationType.NATIONAL_BODY
    assert lead.role == Role.INNOVATION_LEAD
    assert lead.organisation.org_type == OrganisationType.ACUTE_TRUST
    assert User.objects.get(username="lead").check_password("pw-for-tests")


def test_some_demo_organisations_roll_up_from_closed_icbs():
    seed()

    under_closed = Organisation.objects.filter(parent__closed_on__isnull=False)
    assert under_closed.exists()
    assert not under_closed.filter(icb__closed_on__isnull=False).exists()


def test_data_is_never_dated_after_the_as_of_date():
    seed()
    as_of = datetime.date.fromisoformat(AS_OF)

    assert not Barrier.objects.filter(identified_on__gt=as_of).exists()
    assert not Barrier.objects.filter(resolved_on__gt=as_of).exists()
    assert not StageChange.objects.filter(changed_on__gt=as_of).exists()


def test_seeding_a_full_database_refused_without_replace():
    seed()

    with pytest.raises(CommandError, match="--replace"):
        seed()


def test_if_empty_leaves_existing_data():
    seed()
    before = content_digest()

    seed("--seed", "99", "--if-empty")

    assert content_digest() == before


def test_scales_are_sized_as_the_brief_says():
    national, stress = SCALES["national"], SCALES["stress"]
    regions_icbs_national_body = 7 + 48 + 1

    assert 1400 <= sum(national.organisations.values()) + regions_icbs_national_body <= 1600
    assert national.innovations == stress.innovations == 200
    assert national.barriers == 50_000
    assert stress.barriers == 1_000_000


@pytest.mark.slow
def test_national_scale_counts_in_range():
    seed("--scale", "national")

    assert 1400 <= Organisation.objects.count() <= 1600
    assert Innovation.objects.count() == 200
    assert 45_000 <= Barrier.objects.count() <= 55_000
    assert 40_000 <= Adoption.objects.count() <= 100_000
