"""Words and numbers for people on the lead's pages: money in pounds with thousands separated,
and each refusal in the service's own words, naming its field."""

from decimal import Decimal

import pytest

from adoption.barriers.models import Barrier, EnablerAction
from tests.factories import category, enabler
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_barrier_page_shows_money_in_pounds_with_thousands_separated(client, world):
    Barrier.objects.filter(pk=world.barrier_a.pk).update(
        cost_borne_gbp=Decimal("120000.00"), savings_elsewhere_gbp=Decimal("1500000.00")
    )

    page = signed_in(client, world.lead_a).get(f"/barriers/{world.barrier_a.public_id}/")

    text = page.content.decode()
    assert "£120,000" in text and "£1,500,000" in text
    assert "120000" not in text


def barrier_data(world, **overrides):
    return {
        "organisation": world.trust_a.ods_code,
        "innovation": world.innovation.pk,
        "category": category("savings-land-elsewhere").pk,
        "severity": "3",
        "description": "The savings land in primary care, not with us.",
        "identified_on": "2026-02-03",
        "status": "open",
    } | overrides


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"description": "x" * 55999},
            "description",
            "Description must be 4,000 characters or fewer",
        ),
        (
            {"cost_borne_gbp": "123456789012"},
            "cost_borne_gbp",
            "Enter an amount no larger than £1,000,000,000 (£1bn).",
        ),
        (
            {"cost_borne_gbp": "12.345"},
            "cost_borne_gbp",
            "Enter the amount in pounds and pence",
        ),
        ({"status": ""}, "status", "Choose status."),
    ],
)
def test_barrier_form_refuses_in_the_services_words(client, world, overrides, field, message):
    before = Barrier.objects.count()

    response = signed_in(client, world.lead_a).post(
        "/barriers/new/", barrier_data(world, **overrides)
    )

    assert response.status_code == 400
    shown = " ".join(response.context["form"].errors[field])
    assert message in shown
    assert "Ensure" not in shown and "This field" not in shown
    assert Barrier.objects.count() == before


def test_action_form_refuses_a_long_owner_in_the_services_words(client, world):
    response = signed_in(client, world.lead_a).post(
        f"/barriers/{world.barrier_a.public_id}/actions/new/",
        {
            "enabler_type": enabler("risk-sharing").pk,
            "owner": "o" * 121,
            "started_on": "2026-01-20",
            "outcome": "in_progress",
            "notes": "n" * 4001,
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 400
    assert errors["owner"] == ["Owner must be 120 characters or fewer"]
    assert errors["notes"] == ["Notes must be 4,000 characters or fewer"]
    assert not EnablerAction.objects.exists()


def test_stage_form_refuses_a_long_note_in_the_services_words(client, world):
    response = signed_in(client, world.lead_a).post(
        f"/adoptions/{world.adoption_a.pk}/",
        {"stage": "piloting", "changed_on": "", "note": "n" * 2001, "version": "1"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["note"] == ["Note must be 2,000 characters or fewer"]
