"""Following and unsubscribing in a real browser: follow an innovation from its dashboard,
see and stop it on the follow page, unsubscribe from an email's link without signing in; with
and without JavaScript, and without accessibility violations."""

import pytest

from adoption.notifications.models import Follow, OptOut
from adoption.notifications.services import unsubscribe_token

pytestmark = pytest.mark.django_db(transaction=True)


def follow_and_stop(session, world, *, on_each_page=lambda: None):
    session.sign_in("lead_a")
    page = session.page
    session.go(f"/dashboard/innovations/{world.innovation.pk}/")
    page.click("button:has-text('Follow this innovation')")
    page.wait_for_selector("h1:has-text('What you follow')")
    page.wait_for_selector("text=You now follow Innovation: Virtual wards")
    on_each_page()
    assert Follow.objects.filter(user=world.lead_a, innovation=world.innovation).exists()
    page.fill("#id_organisation", "ZZZ99")
    page.click("button:has-text('Follow'):not(:has-text('Stop'))")
    page.wait_for_selector(".nhsuk-error-summary >> text=No organisation has the ODS code")
    on_each_page()
    page.click("button:has-text('Stop following')")
    page.wait_for_selector("text=You no longer follow Innovation: Virtual wards")
    assert not Follow.objects.filter(user=world.lead_a).exists()


def test_a_lead_follows_an_innovation_and_stops(session, world):
    violations = []

    follow_and_stop(
        session, world, on_each_page=lambda: violations.extend(session.axe_violations())
    )

    assert violations == []
    assert session.failures == [(400, f"{session.base}/notifications/")]  # the bad ODS code


def test_following_works_without_javascript(no_js_session, world):
    follow_and_stop(no_js_session, world)


def test_unsubscribe_link_without_signing_in(session, world):
    page = session.go(f"/notifications/unsubscribe/{unsubscribe_token(world.lead_a)}/")
    page.wait_for_selector("h1:has-text('Unsubscribe from Spreadwatch emails')")
    violations = session.axe_violations()
    page.click("button:has-text('Unsubscribe from every email')")
    page.wait_for_selector("text=You are unsubscribed")

    assert violations + session.axe_violations() == []
    assert OptOut.objects.filter(user=world.lead_a).exists()
    assert session.failures == []
