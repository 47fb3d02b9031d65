"""Who may see and change what, page by page (PRODUCT.md §7 Access)."""

import datetime

import pytest

from adoption.barriers.models import Barrier, Stage
from tests.factories import BarrierFactory
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "lead_a", "lead_b", "national", "admin"]


def url_for(world, name):
    a, conf = world.barrier_a.public_id, world.confidential_a.public_id
    return {
        "home": "/",
        "register": "/barriers/",
        "new": "/barriers/new/",
        "detail": f"/barriers/{a}/",
        "detail_confidential": f"/barriers/{conf}/",
        "edit": f"/barriers/{a}/edit/",
        "edit_confidential": f"/barriers/{conf}/edit/",
        "status": f"/barriers/{a}/status/",
        "action": f"/barriers/{a}/actions/new/",
        "adoption": f"/adoptions/{world.adoption_a.pk}/",
        "password": "/accounts/password/",
    }[name]


# page: expected status for anonymous, lead of A, lead of B, national team, superuser
VIEW_MATRIX = {
    "home": [302, 200, 200, 200, 200],
    "register": [302, 200, 200, 200, 200],
    "new": [302, 200, 200, 403, 200],
    "detail": [302, 200, 200, 200, 200],
    "detail_confidential": [302, 200, 404, 200, 200],
    "edit": [302, 200, 403, 403, 200],
    "edit_confidential": [302, 200, 404, 403, 200],
    "status": [302, 200, 403, 403, 200],
    "action": [302, 200, 403, 403, 200],
    "adoption": [302, 200, 200, 200, 200],
    "password": [302, 200, 200, 200, 200],
}


@pytest.mark.parametrize("page", sorted(VIEW_MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_view_permission_matrix(client, world, page, role):
    expected = VIEW_MATRIX[page][ROLES.index(role)]

    response = signed_in(client, world.users.get(role)).get(url_for(world, page))

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("role", "expected", "changed"),
    [
        ("anonymous", 302, False),
        ("lead_a", 302, True),
        ("lead_b", 403, False),
        ("national", 403, False),
        ("admin", 302, True),
    ],
)
def test_change_stage_permission(client, world, role, expected, changed):
    data = {"stage": Stage.PILOTING, "changed_on": "", "note": "", "version": "1"}

    response = signed_in(client, world.users.get(role)).post(url_for(world, "adoption"), data)

    assert response.status_code == expected
    world.adoption_a.refresh_from_db()
    assert (world.adoption_a.stage == Stage.PILOTING) is changed


@pytest.mark.parametrize(
    ("role", "expected", "changed"),
    [
        ("anonymous", 302, False),
        ("lead_a", 302, True),
        ("lead_b", 403, False),
        ("national", 403, False),
    ],
)
def test_change_status_permission(client, world, role, expected, changed):
    data = {"status": "being_addressed", "resolved_on": "", "version": "1"}

    response = signed_in(client, world.users.get(role)).post(url_for(world, "status"), data)

    assert response.status_code == expected
    world.barrier_a.refresh_from_db()
    assert (world.barrier_a.status == "being_addressed") is changed


@pytest.mark.parametrize(("role", "expected"), [("lead_b", 403), ("national", 403)])
def test_other_roles_cannot_mark_no_barrier(client, world, role, expected):
    url = f"/adoptions/{world.adoption_b.pk}/no-barrier/"
    if role == "lead_b":
        url = f"/adoptions/{world.adoption_a.pk}/no-barrier/"

    response = signed_in(client, world.users[role]).post(url)

    assert response.status_code == expected


def test_register_hides_other_organisations_confidential_barriers(client, world):
    as_b = signed_in(client, world.lead_b).get("/barriers/")
    shown_to_b = {b.pk for b in as_b.context["page"].rows}

    assert world.confidential_a.pk not in shown_to_b
    assert {world.barrier_a.pk, world.barrier_b.pk} <= shown_to_b
    assert "Board has not agreed" not in as_b.content.decode()


@pytest.mark.parametrize("role", ["lead_a", "national", "admin"])
def test_register_shows_confidential_barriers_to_their_organisation_and_national(
    client, world, role
):
    response = signed_in(client, world.users[role]).get("/barriers/")

    assert world.confidential_a.pk in {b.pk for b in response.context["page"].rows}


def test_who_has_solved_this_respects_confidentiality(client, world, resolved_elsewhere):
    as_b = signed_in(client, world.lead_b).get(f"/barriers/{world.barrier_b.public_id}/")
    client.logout()
    as_national = signed_in(client, world.national).get(f"/barriers/{world.barrier_b.public_id}/")

    assert resolved_elsewhere not in as_b.context["solved_elsewhere"]
    assert resolved_elsewhere in as_national.context["solved_elsewhere"]


def resolved_at_trust_c(world, *days):
    for took in days:
        BarrierFactory(
            innovation=world.innovation,
            organisation=world.trust_c,
            status="resolved",
            identified_on=datetime.date(2025, 1, 1),
            resolved_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=took),
        )


def test_who_has_solved_this_sums_up_time_to_resolve_from_what_the_viewer_may_see(
    client, world, resolved_elsewhere
):
    # Elsewhere, of this kind for this innovation: resolved after 30 and 90 days at trust C,
    # after 60 days there confidentially; open at trust A, one of them confidentially.
    resolved_at_trust_c(world, 30, 90)
    url = f"/barriers/{world.barrier_b.public_id}/"

    as_b = signed_in(client, world.lead_b).get(url)
    client.logout()
    as_national = signed_in(client, world.national).get(url)

    # Lead B: resolved after 30 and 90 days, one open for longer: two-thirds, then a third,
    # still unresolved; the national team: four-fifths, three-fifths, two-fifths.
    for response, resolved, still_open in ((as_b, 2, 1), (as_national, 3, 2)):
        summary = response.context["resolving_elsewhere"]
        assert (summary.survival.resolved, summary.still_open, summary.accepted) == (
            resolved,
            still_open,
            0,
        )
        assert summary.survival.median == 90
        page = " ".join(response.content.decode().split())
        assert (
            f"Of the {resolved + still_open} “silo working” barriers for Virtual wards at other "
            f"organisations that you can see, {resolved} have been resolved and {still_open} "
        ) in page
        assert "half are resolved within 90 days (95% interval:" in page


def test_who_has_solved_this_says_when_fewer_than_half_are_resolved(client, world):
    resolved_at_trust_c(world, 30)
    BarrierFactory(innovation=world.innovation, organisation=world.trust_c)

    response = signed_in(client, world.lead_b).get(f"/barriers/{world.barrier_b.public_id}/")

    # One of three resolved (the open one at trust A, and one at trust C, are not).
    summary = response.context["resolving_elsewhere"]
    assert (summary.survival.resolved, summary.still_open, summary.survival.median) == (1, 2, None)
    page = " ".join(response.content.decode().split())
    assert "1 has been resolved and 2 are still open" in page
    assert "Fewer than half have been resolved, so the median is not reached yet." in page


def test_who_has_solved_this_lists_resolutions_with_enabler_and_days(client, world):
    from tests.factories import EnablerActionFactory, enabler

    solved = Barrier.objects.create(
        innovation=world.innovation,
        organisation=world.trust_c,
        category=world.barrier_a.category,
        severity=2,
        status="resolved",
        identified_on=datetime.date(2025, 1, 1),
        resolved_on=datetime.date(2025, 2, 15),
        description="Solved with a pooled budget",
    )
    EnablerActionFactory(
        barrier=solved,
        enabler_type=enabler("pooled-budget"),
        outcome="resolved",
        started_on=datetime.date(2025, 1, 10),
        completed_on=datetime.date(2025, 2, 15),
    )

    response = signed_in(client, world.lead_a).get(f"/barriers/{world.barrier_a.public_id}/")

    assert [b.pk for b in response.context["solved_elsewhere"]] == [solved.pk]
    page = response.content.decode()
    assert "Trust C" in page and "Pooled budget" in page
    assert ">45<" in page  # 1 January to 15 February
