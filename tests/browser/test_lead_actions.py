"""A lead finishes an action in a real browser, and the barrier follows."""

import datetime

import pytest
from django.utils import timezone

from adoption.barriers import services
from adoption.barriers.models import BarrierStatus
from tests.factories import enabler

pytestmark = pytest.mark.django_db(transaction=True)


def test_action_in_progress_then_resolved_resolves_the_barrier(session, world):
    barrier = world.barrier_a
    action = services.record_enabler_action(
        by=world.lead_a,
        barrier=barrier,
        fields={
            "enabler_type": enabler("risk-sharing"),
            "owner": "Finance director",
            "started_on": barrier.identified_on,
            "outcome": "in_progress",
        },
    )
    completed = timezone.localdate() - datetime.timedelta(days=1)
    session.sign_in("lead_a")
    page = session.go(f"/barriers/{barrier.public_id}/")
    page.click("a:has-text('Edit the action')")
    page.wait_for_selector("h1:has-text('Edit the action')")
    assert session.axe_violations() == []

    page.fill("#id_completed_on_0", str(completed.day))
    page.fill("#id_completed_on_1", str(completed.month))
    page.fill("#id_completed_on_2", str(completed.year))
    page.check("input[name=outcome][value=resolved]")
    page.click("button:has-text('Save action')")
    page.wait_for_url(f"**/barriers/{barrier.public_id}/")

    barrier.refresh_from_db()
    action.refresh_from_db()
    assert action.outcome == "resolved"
    assert (barrier.status, barrier.resolved_on) == (BarrierStatus.RESOLVED, completed)
    assert "Resolved by an action" in page.content()
    assert session.axe_violations() == []
    assert session.failures == []
