import datetime

import pytest
from django.http import Http404

from adoption.accounts.models import Role
from adoption.accounts.policy import Access
from adoption.barriers import selectors
from adoption.barriers.models import BarrierStatus, Severity, Stage
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    InnovationFactory,
    MembershipFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)


@pytest.fixture
def trust():
    return OrganisationFactory(name="Trust A")


@pytest.fixture
def lead(trust):
    return Access(MembershipFactory(organisation=trust, role=Role.INNOVATION_LEAD).user)


@pytest.fixture
def other_lead():
    return Access(MembershipFactory(role=Role.INNOVATION_LEAD).user)


def test_register_lists_visible_barriers_newest_first(trust, lead, other_lead):
    older = BarrierFactory(organisation=trust, identified_on=datetime.date(2026, 1, 1))
    newer = BarrierFactory(organisation=trust, identified_on=datetime.date(2026, 2, 1))
    confidential = BarrierFactory(
        organisation=trust, is_confidential=True, identified_on=datetime.date(2026, 3, 1)
    )

    assert list(selectors.register_queryset(lead)) == [confidential, newer, older]
    assert list(selectors.register_queryset(other_lead)) == [newer, older]


def test_lead_home_lists_the_first_open_barriers_due_first_and_counts_them_all(
    trust, lead, monkeypatch
):
    monkeypatch.setattr(selectors, "HOME_BARRIERS_SHOWN", 3)
    innovation = InnovationFactory()
    AdoptionFactory(organisation=trust, innovation=innovation)
    later = [
        BarrierFactory(
            organisation=trust,
            innovation=innovation,
            next_review_on=TODAY + datetime.timedelta(days=days),
        )
        for days in (30, 20, 10, 5)
    ]
    overdue = BarrierFactory(
        organisation=trust, innovation=innovation, next_review_on=TODAY - datetime.timedelta(1)
    )

    (home,) = selectors.lead_home(lead, today=TODAY)

    assert [b.pk for b in home.open_barriers] == [overdue.pk, later[3].pk, later[2].pk]
    assert (home.open_count, home.due_count) == (5, 1)


def test_barrier_for_another_organisations_confidential_barrier_is_404(trust, lead, other_lead):
    confidential = BarrierFactory(organisation=trust, is_confidential=True)

    assert selectors.barrier_for(lead, confidential.public_id) == confidential
    with pytest.raises(Http404):
        selectors.barrier_for(other_lead, confidential.public_id)


def test_lead_home_counts_stalled_adoptions_and_reviews_due(trust, lead, settings):
    settings.STALL_DAYS = 180
    innovation, other_innovation = InnovationFactory(), InnovationFactory()
    AdoptionFactory(
        organisation=trust,
        innovation=innovation,
        stage=Stage.PILOTING,
        stage_changed_on=TODAY - datetime.timedelta(days=200),
    )
    AdoptionFactory(
        organisation=trust,
        innovation=other_innovation,
        stage=Stage.PILOTING,
        stage_changed_on=TODAY - datetime.timedelta(days=10),
    )
    due = BarrierFactory(
        organisation=trust,
        innovation=innovation,
        severity=Severity.HIGH,
        next_review_on=TODAY - datetime.timedelta(days=1),
    )
    BarrierFactory(
        organisation=trust, innovation=innovation, next_review_on=TODAY + datetime.timedelta(1)
    )
    BarrierFactory(
        organisation=trust, innovation=innovation, status=BarrierStatus.RESOLVED, resolved_on=TODAY
    )

    (home,) = selectors.lead_home(lead, today=TODAY)

    assert home.organisation == trust
    assert len(home.adoptions) == 2
    assert (home.stalled_count, home.due_count) == (1, 1)
    assert [barrier.pk for barrier in home.open_barriers][0] == due.pk
    assert len(home.open_barriers) == 2
    by_innovation = {adoption.innovation_id: adoption for adoption in home.adoptions}
    assert by_innovation[innovation.pk].open_barriers == 2
    assert by_innovation[innovation.pk].days == 200
