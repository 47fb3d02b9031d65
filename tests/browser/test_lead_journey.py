"""A lead's journey in a real browser: styled pages, no accessibility violations, and forms
that work with and without JavaScript."""

import time

import pytest

from adoption.barriers.models import Barrier

pytestmark = pytest.mark.django_db(transaction=True)


def fill_barrier_form(page, world):
    page.select_option("#id_innovation", label=world.innovation.name)
    page.check("text=Savings land elsewhere")
    page.check("#id_severity_2")  # High
    page.fill("#id_description", "Savings land in primary care; we carry the cost.")
    page.fill("#id_savings_organisation", world.pcn.ods_code)
    page.fill("#id_cost_borne_gbp", "150000")


def test_lead_logs_a_barrier_in_under_a_minute(session, world):
    session.sign_in("lead_a")
    page = session.page
    assert page.eval_on_selector(
        "header.nhsuk-header", "e => getComputedStyle(e).backgroundColor"
    ) == ("rgb(0, 94, 184)"), "the NHS.UK stylesheet applied"

    started = time.monotonic()
    page.click("text=Log a barrier >> nth=0")
    fill_barrier_form(page, world)
    page.click("button:has-text('Log barrier')")
    page.wait_for_selector("h1:has-text('Savings land elsewhere')")
    elapsed = time.monotonic() - started

    assert elapsed < 60
    barrier = Barrier.objects.latest("id")
    assert (barrier.organisation, barrier.cost_borne_gbp) == (world.trust_a, 150000)
    assert session.failures == []


def test_errors_are_summarised_and_linked_to_fields(session, world):
    session.sign_in("lead_a")
    page = session.go("/barriers/new/")
    page.fill("#id_cost_borne_gbp", "-10")
    page.click("button:has-text('Log barrier')")

    page.wait_for_selector(".nhsuk-error-summary")
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    summary.locator("a", has_text="Describe the barrier").click()
    assert page.evaluate("document.activeElement.id") == "id_description"
    assert session.axe_violations() == []


def test_forms_work_without_javascript(no_js_session, world):
    no_js_session.sign_in("lead_a")
    page = no_js_session.go("/barriers/new/")
    fill_barrier_form(page, world)
    page.click("button:has-text('Log barrier')")
    page.wait_for_url("**/barriers/*/")

    assert Barrier.objects.filter(description__startswith="Savings land in primary").exists()
    assert "Barrier" in page.title()


@pytest.mark.parametrize(
    "path",
    ["/", "/barriers/", "/barriers/new/", "barrier", "edit", "status", "action", "adoption"],
)
def test_pages_have_no_accessibility_violations(session, world, resolved_elsewhere, path):
    session.sign_in("lead_a")
    pk = world.barrier_a.public_id
    path = {
        "barrier": f"/barriers/{pk}/",
        "edit": f"/barriers/{pk}/edit/",
        "status": f"/barriers/{pk}/status/",
        "action": f"/barriers/{pk}/actions/new/",
        "adoption": f"/adoptions/{world.adoption_a.pk}/",
    }.get(path, path)
    session.go(path)

    assert session.axe_violations() == []
    assert session.failures == []
    assert session.console_errors == [], "nothing refused by the Content Security Policy"


def test_login_page_has_no_accessibility_violations(session, world):
    session.go("/accounts/login/")
    session.page.click("button[type=submit]")
    session.page.wait_for_selector(".nhsuk-error-summary")

    assert session.page.locator(".nhsuk-error-summary").is_visible()
    assert session.axe_violations() == []
