"""The lead's forms in a real browser: the NHS.UK date input, and starting to record an
innovation from the home page, with no accessibility violations."""

import datetime

import pytest

from adoption.barriers.models import Adoption, Barrier
from tests.factories import InnovationFactory
from tests.integration.test_lead_dates import TODAY

pytestmark = pytest.mark.django_db(transaction=True)


def test_lead_types_the_date_identified_as_day_month_and_year(session, world):
    identified = TODAY - datetime.timedelta(days=10)
    session.sign_in("lead_a")
    page = session.go("/barriers/new/")
    assert session.axe_violations() == []

    page.select_option("#id_innovation", label=world.innovation.name)
    page.check("text=Savings land elsewhere")
    page.check("#id_severity_2")  # High
    page.fill("#id_description", "Savings land in primary care; we carry the cost.")
    page.fill("#id_identified_on_0", str(identified.day))
    page.fill("#id_identified_on_1", "")
    page.fill("#id_identified_on_2", str(identified.year))
    page.click("button:has-text('Log barrier')")
    page.wait_for_selector(".nhsuk-error-summary")
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert "Date identified must include a month" in page.content()
    assert session.axe_violations() == []

    page.fill("#id_identified_on_1", str(identified.month))
    page.click("button:has-text('Log barrier')")
    page.wait_for_selector("h1:has-text('Savings land elsewhere')")

    assert Barrier.objects.latest("id").identified_on == identified
    assert [status for status, _ in session.failures] == [400], "only the refused first try"


def test_lead_starts_recording_an_innovation_from_home(session, world):
    InnovationFactory(name="Remote monitoring")
    session.sign_in("lead_a")
    page = session.page
    page.click("text=Start recording an innovation Trust A is exploring")
    assert session.axe_violations() == []

    page.select_option("#id_raa_innovation", label="Remote monitoring")
    page.click("button:has-text('Start recording')")
    page.wait_for_selector("h1:has-text('Remote monitoring')")

    adoption = Adoption.objects.get(innovation__name="Remote monitoring")
    assert (adoption.organisation, adoption.stage) == (world.trust_a, "exploring")
    assert session.axe_violations() == []
    assert session.failures == []
