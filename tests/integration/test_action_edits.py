"""Editing an enabler action: finishing it, resolving its barrier, and its place in history."""

import datetime

import pytest
from django.utils import timezone

from adoption.barriers import selectors, services
from adoption.barriers.models import BarrierStatus, EnablerAction
from tests.factories import enabler
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def in_progress_action(world):
    return services.record_enabler_action(
        by=world.lead_a,
        barrier=world.barrier_a,
        fields={
            "enabler_type": enabler("risk-sharing"),
            "owner": "Finance director",
            "started_on": world.barrier_a.identified_on,
            "outcome": "in_progress",
        },
    )


def action_data(action, **overrides):
    return {
        "enabler_type": action.enabler_type_id,
        "owner": action.owner,
        "started_on": action.started_on.isoformat(),
        "completed_on": "",
        "outcome": action.outcome,
        "notes": action.notes,
        "version": str(action.version),
    } | overrides


def edit_url(action):
    return f"/barriers/{action.barrier.public_id}/actions/{action.public_id}/edit/"


def test_action_finished_as_resolving_resolves_its_barrier_on_the_completed_date(client, world):
    action = in_progress_action(world)
    completed = TODAY - datetime.timedelta(days=1)

    response = signed_in(client, world.lead_a).post(
        edit_url(action),
        action_data(action, outcome="resolved", completed_on=completed.isoformat(), notes="Done"),
    )

    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.outcome, action.completed_on, action.notes) == ("resolved", completed, "Done")
    world.barrier_a.refresh_from_db()
    assert (world.barrier_a.status, world.barrier_a.resolved_on) == (
        BarrierStatus.RESOLVED,
        completed,
    )


def test_action_edit_page_is_offered_to_the_lead_only(client, world):
    action = in_progress_action(world)

    assert signed_in(client, world.lead_a).get(edit_url(action)).status_code == 200
    assert signed_in(client, world.lead_b).get(edit_url(action)).status_code == 403


def test_action_of_another_barrier_is_not_found(client, world):
    action = in_progress_action(world)
    url = f"/barriers/{world.confidential_a.public_id}/actions/{action.public_id}/edit/"

    assert signed_in(client, world.lead_a).get(url).status_code == 404


def test_action_edit_from_a_stale_version_is_refused_and_merged(client, world):
    action = in_progress_action(world)
    mine = action_data(action, notes="My note")
    services.update_enabler_action(
        by=world.admin, action=action, fields={"owner": "Chief nurse"}, expected_version=1
    )

    response = signed_in(client, world.lead_a).post(edit_url(action), mine)

    assert response.status_code == 409
    action.refresh_from_db()
    assert (action.owner, action.notes) == ("Chief nurse", "")
    form = response.context["form"]
    assert (form["owner"].value(), form["notes"].value()) == ("Chief nurse", "My note")


def test_actions_appear_in_the_barriers_history(client, world):
    action = in_progress_action(world)
    services.update_enabler_action(
        by=world.lead_a, action=action, fields={"owner": "Chief nurse"}, expected_version=1
    )

    history = selectors.barrier_history(world.barrier_a)

    whats = [entry.what for entry in history]
    assert "Action recorded" in whats and "Action edited" in whats
    edited = next(entry for entry in history if entry.what == "Action edited")
    assert ("owner", "Finance director", "Chief nurse") in edited.changes
    page = signed_in(client, world.lead_a).get(f"/barriers/{world.barrier_a.public_id}/")
    assert "Chief nurse" in page.content.decode()


def test_one_save_changing_partners_adds_one_history_entry(world):
    barrier = world.barrier_a
    before = barrier.history.count()

    services.update_barrier(
        by=world.lead_a,
        barrier=barrier,
        fields={"severity": 4},
        partners=[world.trust_b, world.trust_c],
        expected_version=barrier.version,
    )

    assert barrier.history.count() == before + 1
    entry = selectors.barrier_history(barrier)[0]
    labels = [label for label, _, _ in entry.changes]
    assert "severity" in labels and "other organisations involved" in labels


def test_logging_a_barrier_with_partners_adds_one_history_entry(world):
    barrier = services.record_barrier(
        by=world.lead_a,
        fields={
            "innovation": world.innovation,
            "organisation": world.trust_a,
            "category": world.barrier_a.category,
            "severity": 2,
            "description": "Partners from the start",
        },
        partners=[world.trust_b],
    )

    assert barrier.history.count() == 1
    assert list(barrier.history.get().partners.values_list("organisation_id", flat=True)) == [
        world.trust_b.pk
    ]
    assert EnablerAction.objects.count() == 0


def test_a_closed_barrier_shows_no_review_date(client, world):
    from adoption.barriers import services as write

    barrier = write.change_barrier_status(
        by=world.lead_a,
        barrier=world.barrier_a,
        status="resolved",
        resolved_on=world.barrier_a.identified_on,
        expected_version=world.barrier_a.version,
    )
    page = signed_in(client, world.lead_a).get(f"/barriers/{barrier.public_id}/")

    assert "Next review" not in page.content.decode()
