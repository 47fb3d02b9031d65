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
    "stall",
]


@pytest.mark.parametrize("path", PAGES)
def test_dashboard_pages_have_no_accessibility_violations(
    session, world, resolved_elsewhere, path
):
    session.sign_in("national_member")
    path = path.replace("innovation", f"/dashboard/innovations/{world.innovation.pk}/")
    session.go(path.replace("stall", f"/dashboard/spread/{world.innovation.pk}/region/Y56/"))

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


def test_a_flagged_group_page_draws_its_xmr_chart_accessibly(session, world):
    import datetime

    from tests.factories import RegionFactory
    from tests.integration.test_stall_findings import QUARTER, spread_place, stalled_place

    start = datetime.date.today() - QUARTER * 21
    stalled = RegionFactory(ods_code="Y61", name="Region A")
    stalled_place(
        world.innovation, stalled, organisations=6, barrier="savings-land-elsewhere", start=start
    )
    spread_place(
        world.innovation, world.region, organisations=6, barrier="procurement", start=start
    )
    session.sign_in("national_member")

    page = session.go("/dashboard/")
    page.get_by_role("link", name="Virtual wards in Region A").click()

    assert page.locator("h1").inner_text() == "Virtual wards in Region A"
    drawn = page.evaluate(
        "() => Boolean(Chart.getChart(document.querySelector('canvas[data-chart=chart-spc]')))"
    )
    assert drawn
    assert page.locator("caption", has_text="Stage advances per quarter").count() == 1
    assert session.axe_violations() == []
    assert session.failures == [] and session.console_errors == []
