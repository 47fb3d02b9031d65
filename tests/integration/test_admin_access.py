"""What a staff member who is not a superuser may do with accounts in the admin.

A reference data administrator maintains ordinary accounts and innovation-lead memberships. They
never grant superuser or staff status, groups, permissions or the national-team role, never
touch an account holding more than they could grant (superusers, staff, their own account, the
national team), and forged posts for any of these are refused or ignored.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from adoption.accounts.apps import REFERENCE_ADMIN_GROUP
from adoption.accounts.models import Membership, Role
from tests.factories import MembershipFactory, ReferenceAdminFactory, UserFactory
from tests.integration.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-horse-battery-staple"


@pytest.fixture
def reference_admin(world):
    return ReferenceAdminFactory(username="refadmin")


@pytest.fixture
def ordinary(world):
    return UserFactory(username="ordinary", first_name="Olu")


@pytest.fixture
def staff_client(client, reference_admin):
    return signed_in(client, reference_admin)


def user_url(user, view="change"):
    return reverse(f"admin:auth_user_{view}", args=[user.pk])


def memberships_management(total=0):
    return {
        "memberships-TOTAL_FORMS": str(total),
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }


def user_form(user, **fields):
    """The change form of a user without memberships, as a browser posts it, with `fields`."""
    joined = timezone.localtime(user.date_joined)
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        **memberships_management(),
        **fields,
    }


def membership_row(organisation, role):
    return {
        **memberships_management(total=1),
        "memberships-0-id": "",
        "memberships-0-organisation": organisation.pk,
        "memberships-0-role": role,
    }


def password_form(password=NEW_PASSWORD):
    return {"password1": password, "password2": password, "usable_password": "true"}


def roles_of(user):
    return set(Membership.objects.filter(user=user).values_list("role", flat=True))


# --- the breaches -------------------------------------------------------------------------


def test_reference_admin_ticking_superuser_on_themselves_is_not_stored(
    staff_client, reference_admin
):
    response = staff_client.post(
        user_url(reference_admin), user_form(reference_admin, is_superuser="on")
    )

    assert response.status_code in (302, 403, 404)
    reference_admin.refresh_from_db()
    assert not reference_admin.is_superuser


def test_reference_admin_granting_privileges_to_an_ordinary_user_is_ignored(
    staff_client, ordinary
):
    group = Group.objects.get(name=REFERENCE_ADMIN_GROUP)
    permission = Permission.objects.get(codename="change_barrier")
    forged = user_form(
        ordinary,
        first_name="Ola",
        is_superuser="on",
        is_staff="on",
        groups=[group.pk],
        user_permissions=[permission.pk],
    )

    response = staff_client.post(user_url(ordinary), forged)

    assert response.status_code == 302
    ordinary.refresh_from_db()
    assert ordinary.first_name == "Ola"
    assert (ordinary.is_superuser, ordinary.is_staff) == (False, False)
    assert not ordinary.groups.exists()
    assert not ordinary.user_permissions.exists()


def test_reference_admin_user_form_shows_privileges_read_only(staff_client, ordinary):
    response = staff_client.get(user_url(ordinary))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"is_staff", "is_superuser", "groups", "user_permissions"}.isdisjoint(form.fields)
    assert {"username", "first_name", "email", "is_active"} <= set(form.fields)


def test_reference_admin_granting_themselves_national_team_cannot_read_confidential(
    staff_client, world, reference_admin
):
    staff_client.post(
        reverse("admin:accounts_membership_add"),
        {
            "user": reference_admin.pk,
            "organisation": world.national_body.pk,
            "role": "national_team",
        },
    )
    staff_client.post(
        user_url(reference_admin),
        user_form(reference_admin) | membership_row(world.national_body, Role.NATIONAL_TEAM),
    )

    barrier = staff_client.get(reverse("barrier-detail", args=[world.confidential_a.public_id]))
    assert barrier.status_code in (403, 404)
    assert roles_of(reference_admin) == set()


@pytest.mark.parametrize("role", [Role.INNOVATION_LEAD, Role.NATIONAL_TEAM])
def test_reference_admin_granting_themselves_any_membership_is_refused(
    staff_client, world, reference_admin, role
):
    response = staff_client.post(
        reverse("admin:accounts_membership_add"),
        {"user": reference_admin.pk, "organisation": world.trust_a.pk, "role": role},
    )

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert roles_of(reference_admin) == set()


def test_reference_admin_granting_national_team_through_membership_admin_is_refused(
    staff_client, world, ordinary
):
    response = staff_client.post(
        reverse("admin:accounts_membership_add"),
        {"user": ordinary.pk, "organisation": world.national_body.pk, "role": Role.NATIONAL_TEAM},
    )

    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert roles_of(ordinary) == set()


def test_reference_admin_granting_national_team_through_user_inline_is_refused(
    staff_client, world, ordinary
):
    response = staff_client.post(
        user_url(ordinary),
        user_form(ordinary) | membership_row(world.national_body, Role.NATIONAL_TEAM),
    )

    assert response.status_code == 200
    assert roles_of(ordinary) == set()


def test_reference_admin_membership_form_offers_only_innovation_lead(staff_client):
    response = staff_client.get(reverse("admin:accounts_membership_add"))

    choices = [value for value, _ in response.context["adminform"].form.fields["role"].choices]
    assert [value for value in choices if value] == [Role.INNOVATION_LEAD]


def test_reference_admin_moving_a_national_membership_to_themselves_is_refused(
    staff_client, world, reference_admin
):
    membership = Membership.objects.get(user=world.national)

    staff_client.post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {
            "user": reference_admin.pk,
            "organisation": world.national_body.pk,
            "role": "national_team",
        },
    )

    membership.refresh_from_db()
    assert membership.user == world.national


@pytest.mark.parametrize("view", ["change", "password_change", "delete", "history"])
def test_reference_admin_cannot_open_superuser_account_pages(staff_client, world, view):
    response = staff_client.get(user_url(world.admin, view))

    assert response.status_code in (302, 403, 404)


def test_reference_admin_setting_superuser_password_is_refused(staff_client, world):
    response = staff_client.post(user_url(world.admin, "password_change"), password_form())

    assert response.status_code in (302, 403, 404)
    world.admin.refresh_from_db()
    assert world.admin.check_password(PASSWORD)


def test_reference_admin_changing_or_deleting_superuser_is_refused(staff_client, world):
    staff_client.post(user_url(world.admin), user_form(world.admin, username="hijacked"))
    staff_client.post(user_url(world.admin, "delete"), {"post": "yes"})
    staff_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [world.admin.pk], "post": "yes"},
    )

    world.admin.refresh_from_db()
    assert (world.admin.username, world.admin.is_superuser) == ("super", True)


@pytest.mark.parametrize("holder", ["national", "other_staff"])
def test_reference_admin_setting_password_of_more_privileged_account_is_refused(
    staff_client, world, holder
):
    target = world.national if holder == "national" else ReferenceAdminFactory()

    page = staff_client.get(user_url(target, "password_change"))
    staff_client.post(user_url(target, "password_change"), password_form())

    assert page.status_code in (302, 403, 404)
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_reference_admin_user_list_and_lookups_hide_privileged_accounts(
    staff_client, world, reference_admin, ordinary
):
    changelist = staff_client.get(reverse("admin:auth_user_changelist"))
    lookup = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "accounts", "model_name": "membership", "field_name": "user"},
    )

    listed = {user.username for user in changelist.context["cl"].result_list}
    assert listed == {"lead_a", "lead_b", "ordinary"}
    offered = {result["text"] for result in lookup.json()["results"]}
    assert offered == listed


# --- what a reference data administrator still does ---------------------------------------


def test_reference_admin_adds_an_ordinary_user(staff_client, django_user_model):
    response = staff_client.post(
        reverse("admin:auth_user_add"),
        {"username": "newcomer", **password_form(), **memberships_management()},
    )

    assert response.status_code == 302
    newcomer = django_user_model.objects.get(username="newcomer")
    assert (newcomer.is_staff, newcomer.is_superuser) == (False, False)


def test_reference_admin_sets_an_ordinary_users_password(staff_client, world):
    response = staff_client.post(user_url(world.lead_a, "password_change"), password_form())

    assert response.status_code == 302
    world.lead_a.refresh_from_db()
    assert world.lead_a.check_password(NEW_PASSWORD)


def test_reference_admin_grants_innovation_lead_both_ways(staff_client, world, ordinary):
    other = UserFactory(username="other")

    by_admin = staff_client.post(
        reverse("admin:accounts_membership_add"),
        {"user": ordinary.pk, "organisation": world.trust_a.pk, "role": Role.INNOVATION_LEAD},
    )
    by_inline = staff_client.post(
        user_url(other), user_form(other) | membership_row(world.trust_b, Role.INNOVATION_LEAD)
    )

    assert (by_admin.status_code, by_inline.status_code) == (302, 302)
    assert roles_of(ordinary) == roles_of(other) == {Role.INNOVATION_LEAD}


def test_reference_admin_changes_an_innovation_leads_membership(staff_client, world, ordinary):
    membership = MembershipFactory(user=ordinary, organisation=world.trust_a)

    response = staff_client.post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {"user": ordinary.pk, "organisation": world.trust_b.pk, "role": Role.INNOVATION_LEAD},
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.organisation == world.trust_b


def test_superuser_grants_superuser_and_national_team(client, world, ordinary):
    signed_in(client, world.admin)

    client.post(
        user_url(ordinary),
        user_form(ordinary, is_superuser="on", is_staff="on")
        | membership_row(world.national_body, Role.NATIONAL_TEAM),
    )

    ordinary.refresh_from_db()
    assert (ordinary.is_superuser, ordinary.is_staff) == (True, True)
    assert roles_of(ordinary) == {Role.NATIONAL_TEAM}


def test_user_inline_repeating_a_stored_membership_is_a_form_error(client, world):
    """A page opened before someone else added the same membership posts it again."""
    signed_in(client, world.admin)

    response = client.post(
        user_url(world.national),
        user_form(world.national) | membership_row(world.national_body, Role.NATIONAL_TEAM),
    )

    assert response.status_code == 200
    assert "already exists" in str(response.context["inline_admin_formsets"][0].formset.errors)
    assert Membership.objects.filter(user=world.national).count() == 1
