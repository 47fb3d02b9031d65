"""Finding an organisation from the header's search, with and without JavaScript."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def search_from_header(session, text):
    page = session.go("/")
    page.fill("#search-field", text)
    page.press("#search-field", "Enter")
    page.wait_for_load_state()
    return page


def test_search_results_have_no_accessibility_violations(session, world):
    session.sign_in("lead_a")

    page = search_from_header(session, "trust")

    assert "/organisations/?q=trust" in page.url
    assert page.get_by_role("link", name="Trust B").count() == 1
    assert session.axe_violations() == []
    assert session.failures == []
    assert session.console_errors == []


def test_search_leads_to_the_organisations_page_without_javascript(no_js_session, world):
    no_js_session.sign_in("lead_a")

    page = search_from_header(no_js_session, "Trust B")
    page.get_by_role("link", name="Trust B").click()

    assert page.url.endswith("/dashboard/organisations/RBB/")
    assert page.locator("h1").inner_text() == "Trust B"
    assert no_js_session.failures == []


def test_exact_code_opens_the_page_without_javascript(no_js_session, world):
    no_js_session.sign_in("lead_a")

    page = search_from_header(no_js_session, "rcc")

    assert page.url.endswith("/dashboard/organisations/RCC/")
