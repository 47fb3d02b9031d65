"""Two leads editing one barrier in real browsers: the second never undoes the first."""

import pytest
from django.utils import timezone

from adoption.barriers import services
from adoption.barriers.models import BarrierStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_typo_fix_saved_after_a_colleague_resolved_keeps_the_resolution(session, world):
    barrier = world.barrier_a
    session.sign_in("lead_a")
    page = session.go(f"/barriers/{barrier.public_id}/edit/")
    services.change_barrier_status(
        by=world.admin,
        barrier=barrier,
        status=BarrierStatus.RESOLVED,
        resolved_on=timezone.localdate(),
        expected_version=barrier.version,
    )

    page.fill("#id_description", "Nobody owns the change across services")
    page.click("button:has-text('Save changes')")
    page.wait_for_selector("text=Someone else changed this while you were editing")
    assert session.axe_violations() == []
    assert page.is_checked("input[name=status][value=resolved]")
    page.click("button:has-text('Save changes')")
    page.wait_for_url(f"**/barriers/{barrier.public_id}/")

    barrier.refresh_from_db()
    assert barrier.status == BarrierStatus.RESOLVED
    assert barrier.resolved_on == timezone.localdate()
    assert barrier.description == "Nobody owns the change across services"


def test_both_changing_the_description_shows_both_values(session, world):
    barrier = world.barrier_a
    session.sign_in("lead_a")
    page = session.go(f"/barriers/{barrier.public_id}/edit/")
    services.update_barrier(
        by=world.admin,
        barrier=barrier,
        fields={"description": "Their wording"},
        expected_version=barrier.version,
    )

    page.fill("#id_description", "My wording")
    page.click("button:has-text('Save changes')")
    page.wait_for_selector(".app-conflict-note")

    assert "My wording" in page.inner_text(".app-conflict-note")
    assert page.input_value("#id_description") == "Their wording"
    assert session.axe_violations() == []
