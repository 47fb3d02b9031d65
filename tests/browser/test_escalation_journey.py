"""An escalation in a real browser: a lead escalates a barrier to the ICB, the ICB acknowledges
and accepts it; the national team answers one the ICB let pass its due dates. Each page shows
its state, due dates and history, and has no accessibility violation."""

import datetime

import pytest
from django.utils import timezone

from adoption.escalations import services
from adoption.escalations.models import Escalation, Level, State, due_dates
from tests.factories import BarrierFactory

pytestmark = pytest.mark.django_db(transaction=True)


def switch_user(session, username):
    session.page.context.clear_cookies()
    session.sign_in(username)


def take_step(session, state, note=""):
    page = session.page
    page.click("a:has-text('Take the next step')")
    page.wait_for_selector("h1:has-text('Take the next step')")
    page.check(f"input[name=to_state][value={state}]")
    if note:
        page.fill("#id_note", note)
    page.click("button:has-text('Save')")
    page.wait_for_selector(".nhsuk-summary-list")


def test_escalation_from_lead_to_icb_and_national(session, icb_world):
    world = icb_world
    barrier = BarrierFactory(innovation=world.innovation, organisation=world.trust_a)
    acknowledge_by, respond_by = due_dates(timezone.localdate())

    # The lead escalates from the barrier's page.
    session.sign_in("lead_a")
    page = session.go(f"/barriers/{barrier.public_id}/")
    page.click("a:has-text('Escalate this barrier')")
    page.wait_for_selector("h1:has-text('Escalate this barrier')")
    assert session.axe_violations() == []
    page.check("input[name=level][value=icb]")
    page.check("input[name=lever][value=pooled_budget]")
    page.fill("#id_ask", "Pool the budget for virtual ward beds with the community trust.")
    page.click("button:has-text('Escalate')")
    page.wait_for_selector("h1:has-text('Virtual wards')")
    escalation = Escalation.objects.get(barrier=barrier)
    assert page.inner_text("#acknowledge-by").startswith(f"{acknowledge_by:%-d %B %Y}")
    assert page.inner_text("#respond-by").startswith(f"{respond_by:%-d %B %Y}")
    assert "Take the next step" not in page.content()

    # The ICB's lead finds it in the queue, acknowledges and accepts it.
    switch_user(session, "icb_lead")
    page = session.go("/escalations/")
    assert session.axe_violations() == []
    page.click(f"a[href='/escalations/{escalation.public_id}/']")
    page.wait_for_selector("h1:has-text('Virtual wards')")
    take_step(session, State.ACKNOWLEDGED)
    assert session.axe_violations() == []
    take_step(session, State.ACCEPTED)
    history = page.inner_text("#escalation-history")
    assert "Alex Lead (ICB): Escalated" in history
    assert "Ina Icb (ICB): Escalated → Acknowledged" in history
    assert "Ina Icb (ICB): Acknowledged → Accepted" in history
    escalation.refresh_from_db()
    assert escalation.state == State.ACCEPTED

    # An escalation the ICB left unanswered is raised; the national team declines it.
    old = BarrierFactory(innovation=world.innovation, organisation=world.trust_b)
    raised = services.escalate(
        by=world.lead_b,
        barrier=old,
        level=Level.ICB,
        lever="tariff_change",
        ask="Change the tariff for avoided admissions.",
        today=timezone.localdate() - datetime.timedelta(days=90),
    )
    services.raise_overdue_escalations()
    switch_user(session, "national_member")
    page = session.go("/escalations/")
    page.click(f"a[href='/escalations/{raised.public_id}/']")
    page.wait_for_selector("h1:has-text('Virtual wards')")
    assert "raised from ICB One" in page.content()
    take_step(session, State.ACKNOWLEDGED)
    take_step(session, State.DECLINED, note="Tariff changes go through the annual consultation.")
    assert "Tariff changes go through the annual consultation." in page.content()
    history = page.inner_text("#escalation-history")
    assert "Due date missed" in history and "Raised to the national team" in history
    assert "(National team): Acknowledged → Declined" in history
    assert session.axe_violations() == []
    assert session.failures == []
