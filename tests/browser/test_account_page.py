"""A user's account page in a real browser: create an API token, see it once, revoke it; with
and without JavaScript, and without accessibility violations."""

import pytest
from knox.models import AuthToken

pytestmark = pytest.mark.django_db(transaction=True)


def create_and_revoke(session, *, on_each_page=lambda: None):
    session.sign_in("lead_a")
    page = session.page
    page.click("header >> text=Alex Lead")
    page.wait_for_selector("h1:has-text('Your account')")
    on_each_page()
    page.click("button:has-text('Create a token')")  # without a name: told to give one
    page.wait_for_selector(".nhsuk-error-summary >> text=Enter a name for the token")
    on_each_page()
    page.fill("#token-name", "Weekly R report")
    page.click("button:has-text('Create a token')")
    page.wait_for_selector("h1:has-text('Your new API token: Weekly R report')")
    secret = page.input_value("#api-token")
    on_each_page()
    page.click("text=Back to your account")
    page.wait_for_selector("td:has-text('Weekly R report')")
    page.click("button:has-text('Revoke')")
    page.wait_for_selector("text=The token “Weekly R report” created on")
    return secret


def test_a_lead_creates_and_revokes_a_token_from_the_account_page(session, world):
    violations = []

    secret = create_and_revoke(
        session, on_each_page=lambda: violations.extend(session.axe_violations())
    )

    assert len(secret) == 64
    assert not AuthToken.objects.exists()
    assert violations == []
    assert session.failures == [(400, f"{session.base}/accounts/tokens/")]  # no name
    # The only console message: Chromium's note of that 400.
    assert [error for error in session.console_errors if "400" not in error] == []


def test_tokens_are_managed_without_javascript(no_js_session, world):
    secret = create_and_revoke(no_js_session)

    assert len(secret) == 64
    assert not AuthToken.objects.exists()
    assert no_js_session.failures == [(400, f"{no_js_session.base}/accounts/tokens/")]
