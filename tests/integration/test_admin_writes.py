"""The admin is one more door to the write services: every add, change and delete of an
adoption, barrier or enabler action made there keeps the rules the services keep for the
pages (an adoption recorded for a visible barrier, an action under way addressing its barrier,
actions following their barrier, the audit trail) and leaves every figure equal to a fresh
count."""

import datetime

import pytest

from adoption.barriers.models import (
    Adoption,
    Barrier,
    BarrierStatus,
    EnablerAction,
    Stage,
    StageChange,
)
from tests.factories import InnovationFactory, category, enabler
from tests.integration.conftest import signed_in
from tests.integration.test_rollups import fresh_rows, rollup_rows
from tests.integration.test_tallies import assert_tallies_true

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 1, 20)


def inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def barrier_form(world, innovation, **overrides):
    return {
        "innovation": innovation.pk,
        "organisation": world.trust_a.pk,
        "pathway": "",
        "category": category("silo-working").pk,
        "severity": "3",
        "status": "open",
        "identified_on": DAY.isoformat(),
        "resolved_on": "",
        "next_review_on": "",
        "description": "Entered by an administrator from a trust's email.",
        "complexity": "",
        "partners": [],
        "savings_organisation": "",
        "cost_borne_gbp": "",
        "savings_elsewhere_gbp": "",
        **inline_management("actions"),
    } | overrides


def action_row(index, **overrides):
    return {
        f"actions-{index}-enabler_type": enabler("pooled-budget").pk,
        f"actions-{index}-owner": "ICB finance lead",
        f"actions-{index}-started_on": DAY.isoformat(),
        f"actions-{index}-completed_on": "",
        f"actions-{index}-outcome": "in_progress",
        f"actions-{index}-notes": "",
    } | {f"actions-{index}-{k}": v for k, v in overrides.items()}


def assert_figures_true():
    assert_tallies_true()
    assert rollup_rows() == fresh_rows()


@pytest.fixture
def as_admin(client, world):
    return signed_in(client, world.admin)


def test_barrier_added_in_the_admin_records_its_adoption_and_addresses_it(as_admin, world):
    innovation = InnovationFactory(name="Digital pathology")
    data = barrier_form(world, innovation) | inline_management("actions", total=1)
    data |= action_row(0)

    response = as_admin.post("/admin/barriers/barrier/add/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    barrier = Barrier.objects.get(innovation=innovation)
    adoption = Adoption.objects.get(innovation=innovation, organisation=world.trust_a)
    assert adoption.stage == Stage.EXPLORING
    assert adoption.stage_changes.get().changed_by == world.admin
    assert barrier.status == BarrierStatus.BEING_ADDRESSED
    assert barrier.reported_by == world.admin
    action = barrier.actions.get()
    assert (action.innovation, action.organisation) == (innovation, world.trust_a)
    assert barrier.history.first().history_user == world.admin
    assert_figures_true()


def test_confidential_barrier_added_in_the_admin_records_no_adoption(as_admin, world):
    innovation = InnovationFactory(name="Digital pathology")

    as_admin.post(
        "/admin/barriers/barrier/add/", barrier_form(world, innovation, is_confidential="on")
    )

    assert Barrier.objects.filter(innovation=innovation).exists()
    assert not Adoption.objects.filter(innovation=innovation).exists()


def test_barrier_changed_in_the_admin_moves_its_actions_and_its_counts(as_admin, world):
    barrier = world.barrier_a
    EnablerAction.objects.create(
        barrier=barrier,
        innovation=barrier.innovation,
        organisation=barrier.organisation,
        enabler_type=enabler("pooled-budget"),
        owner="Finance director",
        started_on=DAY,
        completed_on=DAY,
        outcome="partly",
    )
    from adoption.dashboards.tallies import rebuild_tallies

    rebuild_tallies()  # the action above was written behind the services' back
    action = barrier.actions.get()
    data = barrier_form(
        world,
        barrier.innovation,
        organisation=world.trust_b.pk,
        category=category("savings-pressure").pk,
        identified_on=barrier.identified_on.isoformat(),
        next_review_on=barrier.next_review_on.isoformat(),
        description=barrier.description,
    ) | inline_management("actions", total=1, initial=1)
    data |= action_row(0, id=action.pk, barrier=barrier.pk, outcome="partly")
    data["actions-0-completed_on"] = DAY.isoformat()

    response = as_admin.post(f"/admin/barriers/barrier/{barrier.pk}/change/", data)

    assert response.status_code == 302
    barrier.refresh_from_db()
    action.refresh_from_db()
    assert (barrier.organisation, barrier.category.slug) == (world.trust_b, "savings-pressure")
    assert action.organisation == world.trust_b
    assert barrier.version == 2
    assert barrier.history.first().history_user == world.admin
    assert_figures_true()


def test_action_added_inline_on_an_open_barrier_addresses_it(as_admin, world):
    barrier = world.barrier_a
    data = barrier_form(
        world,
        barrier.innovation,
        identified_on=barrier.identified_on.isoformat(),
        next_review_on=barrier.next_review_on.isoformat(),
        description=barrier.description,
    ) | inline_management("actions", total=1)
    data |= action_row(0)

    as_admin.post(f"/admin/barriers/barrier/{barrier.pk}/change/", data)

    barrier.refresh_from_db()
    assert barrier.status == BarrierStatus.BEING_ADDRESSED
    assert barrier.actions.get().created_by == world.admin
    assert_figures_true()


def test_action_added_on_its_own_page_addresses_its_barrier(as_admin, world):
    barrier = world.barrier_b
    data = {k.removeprefix("actions-0-"): v for k, v in action_row(0).items()}

    response = as_admin.post("/admin/barriers/enableraction/add/", data | {"barrier": barrier.pk})

    assert response.status_code == 302
    barrier.refresh_from_db()
    assert barrier.status == BarrierStatus.BEING_ADDRESSED
    assert_figures_true()


def test_barriers_and_actions_deleted_in_the_admin_leave_true_figures(as_admin, world):
    action = EnablerAction.objects.create(
        barrier=world.barrier_b,
        innovation=world.barrier_b.innovation,
        organisation=world.barrier_b.organisation,
        enabler_type=enabler("pooled-budget"),
        owner="Finance director",
    )
    from adoption.dashboards.tallies import rebuild_tallies

    rebuild_tallies()

    as_admin.post(f"/admin/barriers/enableraction/{action.pk}/delete/", {"post": "yes"})
    as_admin.post(
        "/admin/barriers/barrier/",
        {"action": "delete_selected", "_selected_action": [world.barrier_a.pk], "post": "yes"},
    )
    as_admin.post(f"/admin/barriers/barrier/{world.barrier_b.pk}/delete/", {"post": "yes"})

    assert not Barrier.objects.filter(pk__in=[world.barrier_a.pk, world.barrier_b.pk]).exists()
    assert not EnablerAction.objects.exists()
    assert_figures_true()


def test_adoption_added_changed_and_deleted_in_the_admin_keeps_its_stage_history(as_admin, world):
    innovation = InnovationFactory(name="Digital pathology")
    form = {
        "innovation": innovation.pk,
        "organisation": world.trust_b.pk,
        "stage": "exploring",
        "route": "local",
        "no_barrier_confirmed_on": "",
        **inline_management("stage_changes"),
    }

    as_admin.post("/admin/barriers/adoption/add/", form)
    adoption = Adoption.objects.get(innovation=innovation)
    as_admin.post(
        f"/admin/barriers/adoption/{adoption.pk}/change/",
        form
        | {"stage": "piloting", "route": "co_developed"}
        | inline_management("stage_changes", total=1, initial=1)
        | {
            "stage_changes-0-id": adoption.stage_changes.get().pk,
            "stage_changes-0-adoption": adoption.pk,
        },
    )

    adoption.refresh_from_db()
    assert (adoption.stage, adoption.route) == ("piloting", "co_developed")
    assert list(adoption.stage_changes.values_list("to_stage", "changed_by")) == [
        ("exploring", world.admin.pk),
        ("piloting", world.admin.pk),
    ]
    assert_figures_true()

    as_admin.post(f"/admin/barriers/adoption/{adoption.pk}/delete/", {"post": "yes"})

    assert not StageChange.objects.filter(adoption_id=adoption.pk).exists()
    assert_figures_true()
