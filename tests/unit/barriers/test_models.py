import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from adoption.barriers.models import (
    Adoption,
    Barrier,
    BarrierStatus,
    EnablerAction,
    Severity,
    Stage,
    StageChange,
)
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    EnablerActionFactory,
    InnovationFactory,
    OrganisationFactory,
    category,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)


def rejected(factory, **fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**fields)


@pytest.mark.parametrize("severity", [0, 5])
def test_severity_outside_one_to_four_rejected(severity):
    rejected(BarrierFactory, severity=severity, next_review_on=datetime.date(2026, 6, 1))


@pytest.mark.parametrize("field", ["cost_borne_gbp", "savings_elsewhere_gbp"])
@pytest.mark.parametrize("amount", [Decimal("-0.01"), Decimal("1000000000.01")])
def test_money_below_zero_or_over_a_billion_rejected(field, amount):
    rejected(BarrierFactory, **{field: amount})


def test_money_at_the_limits_accepted():
    barrier = BarrierFactory(
        cost_borne_gbp=Decimal("0"), savings_elsewhere_gbp=Decimal("1000000000")
    )

    assert Barrier.objects.get(pk=barrier.pk).savings_elsewhere_gbp == Decimal("1000000000")


def test_resolved_before_identified_rejected():
    rejected(
        BarrierFactory,
        status=BarrierStatus.RESOLVED,
        identified_on=datetime.date(2026, 5, 1),
        resolved_on=datetime.date(2026, 4, 30),
    )


def test_resolved_status_without_resolved_date_rejected():
    rejected(BarrierFactory, status=BarrierStatus.RESOLVED, resolved_on=None)


def test_open_status_with_resolved_date_rejected():
    rejected(BarrierFactory, status=BarrierStatus.OPEN, resolved_on=datetime.date(2026, 2, 1))


def test_unknown_status_rejected():
    rejected(BarrierFactory, status="forgotten")


def test_one_adoption_per_innovation_and_organisation():
    adoption = AdoptionFactory()

    rejected(AdoptionFactory, innovation=adoption.innovation, organisation=adoption.organisation)


def test_unknown_stage_rejected():
    rejected(AdoptionFactory, stage="dreaming")


def test_stage_change_to_same_stage_rejected():
    adoption = AdoptionFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        StageChange.objects.create(
            adoption=adoption, from_stage="piloting", to_stage="piloting", changed_on=TODAY
        )


def test_action_completed_before_started_rejected():
    rejected(
        EnablerActionFactory,
        started_on=datetime.date(2026, 3, 1),
        completed_on=datetime.date(2026, 2, 28),
    )


def test_unknown_action_outcome_rejected():
    rejected(EnablerActionFactory, outcome="magic")


@pytest.mark.parametrize(
    ("severity", "days"),
    [(Severity.CRITICAL, 90), (Severity.HIGH, 90), (Severity.MODERATE, 180), (Severity.LOW, 360)],
)
def test_next_review_defaults_by_severity(severity, days):
    identified = datetime.date.today() - datetime.timedelta(days=10)
    barrier = BarrierFactory(severity=severity, identified_on=identified)

    assert barrier.next_review_on == identified + datetime.timedelta(days=days)


@pytest.mark.parametrize(
    ("severity", "days"),
    [(Severity.CRITICAL, 90), (Severity.MODERATE, 180), (Severity.LOW, 360)],
)
def test_next_review_of_a_barrier_logged_late_is_never_in_the_past(severity, days):
    identified = datetime.date.today() - datetime.timedelta(days=days + 30)

    barrier = BarrierFactory(severity=severity, identified_on=identified)

    assert barrier.next_review_on == datetime.date.today() + datetime.timedelta(days=days)


def test_explicit_next_review_kept():
    barrier = BarrierFactory(next_review_on=datetime.date(2026, 2, 1))

    assert barrier.next_review_on == datetime.date(2026, 2, 1)


def test_model_validation_names_the_field_for_each_rule():
    organisation = OrganisationFactory()
    barrier = Barrier(
        innovation=InnovationFactory(),
        organisation=organisation,
        category=category("savings-land-elsewhere"),
        severity=Severity.HIGH,
        status=BarrierStatus.RESOLVED,
        identified_on=datetime.date(2099, 1, 1),
        resolved_on=None,
        description="x",
        savings_organisation=organisation,
        cost_borne_gbp=Decimal("-5"),
    )

    with pytest.raises(ValidationError) as error:
        barrier.full_clean()

    assert set(error.value.message_dict) >= {
        "identified_on",
        "resolved_on",
        "savings_organisation",
        "cost_borne_gbp",
    }


def test_stalled_queryset_uses_stall_days(settings):
    settings.STALL_DAYS = 180
    old = AdoptionFactory(
        stage=Stage.PILOTING, stage_changed_on=TODAY - datetime.timedelta(days=180)
    )
    AdoptionFactory(stage=Stage.PILOTING, stage_changed_on=TODAY - datetime.timedelta(days=179))
    AdoptionFactory(stage=Stage.EMBEDDED, stage_changed_on=TODAY - datetime.timedelta(days=900))

    assert list(Adoption.objects.stalled(today=TODAY)) == [old]
    assert old.is_stalled(today=TODAY)


def test_due_for_review_only_open_barriers():
    due = BarrierFactory(next_review_on=datetime.date(2026, 1, 1))
    BarrierFactory(next_review_on=datetime.date(2027, 1, 1))
    BarrierFactory(
        next_review_on=datetime.date(2026, 1, 1),
        status=BarrierStatus.RESOLVED,
        resolved_on=datetime.date(2026, 1, 20),
    )

    assert list(Barrier.objects.due_for_review(today=TODAY)) == [due]
    assert EnablerAction.objects.count() == 0
