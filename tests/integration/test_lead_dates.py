"""Dates on the lead's forms: typed as day, month and year, and refused when they cannot be
true, beside the field, with nothing stored."""

import datetime

import pytest
from django.utils import timezone

from adoption.barriers import services
from adoption.barriers.models import Barrier, EnablerAction
from tests.factories import category, enabler
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def barrier_data(world, **overrides):
    return {
        "organisation": world.trust_a.ods_code,
        "innovation": world.innovation.pk,
        "category": category("savings-land-elsewhere").pk,
        "severity": "3",
        "description": "The savings land in primary care, not with us.",
        "identified_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
        "status": "open",
        "cost_borne_gbp": "120000",
    } | overrides


def action_data(**overrides):
    return {
        "enabler_type": enabler("risk-sharing").pk,
        "owner": "Finance director",
        "started_on": "2026-01-20",
        "completed_on": "",
        "outcome": "in_progress",
        "notes": "",
    } | overrides


def parts(name, date):
    """A date as the NHS.UK date input posts it: day, month and year."""
    day, month, year = date
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def post_barrier(client, world, data):
    return signed_in(client, world.lead_a).post("/barriers/new/", data)


def post_action(client, world, data):
    return signed_in(client, world.lead_a).post(
        f"/barriers/{world.barrier_a.public_id}/actions/new/", data
    )


def refused(response, field):
    assert response.status_code == 400
    return " ".join(response.context["form"].errors[field])


def test_barrier_logged_with_a_day_month_and_year(client, world):
    data = barrier_data(world) | parts("identified_on", ("3", "2", "2026"))
    del data["identified_on"]

    response = post_barrier(client, world, data)

    assert response.status_code == 302
    assert Barrier.objects.latest("id").identified_on == datetime.date(2026, 2, 3)


@pytest.mark.parametrize(
    ("date", "message"),
    [
        (("3", "", "2026"), "Date identified must include a month"),
        (("", "", "2026"), "Date identified must include a day and month"),
        (("31", "2", "2026"), "Enter a real date"),
        (("3", "two", "2026"), "Enter a real date"),
        (("3", "2", "26"), "Year must include 4 numbers"),
    ],
)
def test_barrier_date_in_parts_refused_when_incomplete_or_unreal(client, world, date, message):
    data = barrier_data(world) | parts("identified_on", date)
    del data["identified_on"]
    before = Barrier.objects.count()

    response = post_barrier(client, world, data)

    assert message in refused(response, "identified_on")
    assert Barrier.objects.count() == before
    page = response.content.decode()
    assert message in page
    assert f'value="{date[2]}"' in page, "the typed year is offered again"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"identified_on": "1999-12-31"}, "identified_on", "before 1 January 2000"),
        ({"next_review_on": "2026-01-01"}, "next_review_on", "cannot be in the past"),
    ],
)
def test_barrier_with_a_date_that_cannot_be_true_refused(client, world, overrides, field, message):
    before = Barrier.objects.count()

    response = post_barrier(client, world, barrier_data(world, **overrides))

    assert message in refused(response, field)
    assert Barrier.objects.count() == before


def test_barrier_identified_before_its_organisation_opened_refused(client, world):
    world.trust_a.opened_on = datetime.date(2020, 4, 1)
    world.trust_a.save(update_fields=["opened_on"])
    before = Barrier.objects.count()

    response = post_barrier(client, world, barrier_data(world, identified_on="2019-05-01"))

    assert "before the organisation opened (1 April 2020)" in refused(response, "identified_on")
    assert Barrier.objects.count() == before


def test_barrier_edit_form_shows_the_saved_date_in_parts(client, world):
    barrier = world.barrier_a

    response = signed_in(client, world.lead_a).get(f"/barriers/{barrier.public_id}/edit/")

    page = response.content.decode()
    assert 'name="identified_on_day"' in page and 'value="15"' in page
    assert 'type="date"' not in page


def test_barrier_whose_review_date_has_passed_can_still_be_edited(world):
    barrier = world.barrier_a
    # A review that fell due while the barrier stayed open.
    type(barrier).objects.filter(pk=barrier.pk).update(
        next_review_on=TODAY - datetime.timedelta(days=10)
    )
    barrier.refresh_from_db()

    services.update_barrier(
        by=world.lead_a,
        barrier=barrier,
        fields={"description": "Still blocked."},
        expected_version=barrier.version,
    )

    barrier.refresh_from_db()
    assert barrier.description == "Still blocked."


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"started_on": "2026-01-10"}, "started_on", "before the barrier was identified"),
        ({"completed_on": "2026-02-01"}, "completed_on", "in progress"),
        ({"outcome": "partly", "completed_on": ""}, "completed_on", "Enter the date"),
    ],
)
def test_action_with_dates_that_cannot_be_true_refused(client, world, overrides, field, message):
    response = post_action(client, world, action_data(**overrides))

    assert message in refused(response, field)
    assert not EnablerAction.objects.exists()


def test_action_completed_date_not_labelled_optional(client, world):
    response = post_action(client, world, action_data(outcome="resolved"))

    page = response.content.decode()
    assert "Date completed</legend>" in page
    assert "Date completed (optional)" not in page
    assert "Needed once the action has an outcome" in page


def test_action_dates_in_parts_recorded(client, world):
    data = action_data(outcome="resolved") | parts("completed_on", ("2", "2", "2026"))
    del data["completed_on"]

    response = post_action(client, world, data)

    assert response.status_code == 302
    action = EnablerAction.objects.get()
    assert (action.started_on, action.completed_on) == (
        datetime.date(2026, 1, 20),
        datetime.date(2026, 2, 2),
    )


def test_lead_forms_use_the_nhs_date_input(client, world):
    page = signed_in(client, world.lead_a).get("/barriers/new/").content.decode()

    assert 'class="nhsuk-date-input"' in page
    assert 'inputmode="numeric"' in page
    assert 'type="date"' not in page
    assert 'role="group"' in page
