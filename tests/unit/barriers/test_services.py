import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from adoption.barriers import services
from adoption.barriers.models import Adoption, Stage, StageChange
from tests.factories import InnovationFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return UserFactory(username="lead")


@pytest.fixture
def adoption(lead):
    return services.create_adoption(
        by=lead,
        adoption=Adoption(
            innovation=InnovationFactory(),
            organisation=OrganisationFactory(),
            stage=Stage.EXPLORING,
            stage_changed_on=timezone.localdate() - datetime.timedelta(days=30),
        ),
    )


def test_create_adoption_records_its_first_stage(adoption, lead):
    change = StageChange.objects.get(adoption=adoption)

    assert (change.from_stage, change.to_stage, change.changed_by) == ("", Stage.EXPLORING, lead)
    assert adoption.history.count() == 1
    assert adoption.history.first().history_user == lead


def test_change_stage_records_history_exactly_once(adoption, lead):
    services.change_stage(
        by=lead, adoption=adoption, stage=Stage.BUSINESS_CASE, note="Board approved"
    )

    changes = StageChange.objects.filter(adoption=adoption, from_stage=Stage.EXPLORING)
    assert changes.count() == 1
    change = changes.get()
    assert (change.to_stage, change.changed_by, change.note) == (
        Stage.BUSINESS_CASE,
        lead,
        "Board approved",
    )
    assert change.changed_on == timezone.localdate()
    adoption.refresh_from_db()
    assert (adoption.stage, adoption.stage_changed_on, adoption.version) == (
        Stage.BUSINESS_CASE,
        timezone.localdate(),
        2,
    )
    latest = adoption.history.first()
    assert (latest.stage, latest.history_user) == (Stage.BUSINESS_CASE, lead)
    assert adoption.history.count() == 2


def test_change_stage_to_current_stage_refused(adoption, lead):
    with pytest.raises(ValidationError) as error:
        services.change_stage(by=lead, adoption=adoption, stage=Stage.EXPLORING)

    assert "stage" in error.value.message_dict
    assert StageChange.objects.filter(adoption=adoption).count() == 1


def test_change_stage_in_future_refused(adoption, lead):
    with pytest.raises(ValidationError) as error:
        services.change_stage(
            by=lead,
            adoption=adoption,
            stage=Stage.PILOTING,
            on=timezone.localdate() + datetime.timedelta(days=1),
        )

    assert "changed_on" in error.value.message_dict
    adoption.refresh_from_db()
    assert adoption.stage == Stage.EXPLORING


def test_change_stage_before_current_stage_began_refused(adoption, lead):
    with pytest.raises(ValidationError):
        services.change_stage(
            by=lead,
            adoption=adoption,
            stage=Stage.PILOTING,
            on=adoption.stage_changed_on - datetime.timedelta(days=1),
        )


def test_change_stage_from_stale_version_refused(adoption, lead):
    services.change_stage(
        by=lead, adoption=adoption, stage=Stage.BUSINESS_CASE, expected_version=1
    )

    with pytest.raises(services.StaleEdit) as error:
        services.change_stage(by=lead, adoption=adoption, stage=Stage.PILOTING, expected_version=1)

    assert error.value.current.stage == Stage.BUSINESS_CASE
    assert StageChange.objects.filter(adoption=adoption).count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"started_on": timezone.localdate() + datetime.timedelta(days=1)}, "started_on"),
        ({"outcome": "resolved"}, "completed_on"),
        (
            {"started_on": datetime.date(2026, 3, 2), "completed_on": datetime.date(2026, 3, 1)},
            "completed_on",
        ),
    ],
)
def test_action_rules_hold_for_every_writer_not_only_the_form(lead, fields, field):
    from tests.factories import BarrierFactory, enabler

    barrier = BarrierFactory()

    with pytest.raises(ValidationError) as error:
        services.record_enabler_action(
            by=lead,
            barrier=barrier,
            fields={"enabler_type": enabler("pooled-budget"), "owner": "Finance"} | fields,
        )

    assert field in error.value.message_dict
    assert not barrier.actions.exists()
