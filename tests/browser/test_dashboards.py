"""The dashboards in a real browser: charts drawn from vendored Chart.js, no accessibility
violations, nothing fetched that fails."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "/",
    "/dashboard/",
    "/dashboard/?group_by=org_type",
    "/dashboard/barriers/",
    "/dashboard/savings/",
    "/dashboard/what-worked/",
    "innovation",
    "/dashboard/organisations/RAA/",
]


@pytest.mark.parametrize("path", PAGES)
def test_dashboard_pages_have_no_accessibility_violations(
    session, world, resolved_elsewhere, path
):
    session.sign_in("national_member")
    session.go(path.replace("innovation", f"/dashboard/innovations/{world.innovation.pk}/"))

    assert session.axe_violations() == []
    assert session.failures == []
    assert session.console_errors == [], "nothing refused by the Content Security Policy"


def test_charts_are_drawn_and_keep_their_tables(session, world, resolved_elsewhere):
    session.sign_in("national_member")
    page = session.go("/dashboard/barriers/")

    drawn = page.evaluate(
        "() => Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => Boolean(window.Chart && Chart.getChart(c)))"
    )

    assert drawn and all(drawn)
    assert (
        page.locator("caption", has_text="Barriers opened and resolved per quarter").count() == 1
    )
    assert session.failures == []
