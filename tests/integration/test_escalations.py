"""Escalations: the state machine, taken step by step by the right level only; bad input answered
beside its field with nothing changed; due dates missed and raised to the national team; and
the queue and the asks, which keep a confidential barrier to those it was escalated to."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from adoption.barriers.models import BarrierStatus
from adoption.escalations import services
from adoption.escalations.models import (
    TRANSITIONS,
    Escalation,
    EscalationEvent,
    EventKind,
    Level,
    State,
)
from tests.factories import BarrierFactory, InnovationFactory
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

D = datetime.date
# Thursday before Easter 2026: acknowledge by Thursday 9 April (Good Friday and Easter Monday
# skipped), answer by Tuesday 5 May (the early May bank holiday skipped).
ESCALATED_ON = D(2026, 4, 2)
ACKNOWLEDGE_BY = D(2026, 4, 9)
RESPOND_BY = D(2026, 5, 5)

NOTES = {State.DECLINED: "No pooled budget this year.", State.ACTION_AGREED: "Joint panel."}


def step(escalation, by, to_state, **kwargs):
    escalation.refresh_from_db()
    kwargs.setdefault("note", NOTES.get(to_state, ""))
    if to_state == State.NOT_RESOLVABLE:
        kwargs.setdefault("lever_needed", "tariff_change")
    return services.take_step(
        by=by,
        escalation=escalation,
        to_state=to_state,
        expected_version=escalation.version,
        **kwargs,
    )


def escalate(world, barrier=None, *, level=Level.ICB, lever="pooled_budget", today=None):
    return services.escalate(
        by=world.lead_a,
        barrier=barrier or world.barrier_a,
        level=level,
        lever=lever,
        ask="Pool the budget for virtual ward beds with the community trust.",
        today=today,
    )


@pytest.fixture
def fresh(icb_world):
    """The world with barrier A's escalation set aside (closed), so tests escalate afresh."""
    Escalation.objects.filter(pk=icb_world.escalation_a.pk).update(state=State.RESOLVED)
    return icb_world


# --- the state machine ------------------------------------------------------------------


def test_icb_escalation_walks_to_resolved_with_history(fresh):
    escalation = escalate(fresh, today=ESCALATED_ON)
    assert (escalation.acknowledge_by, escalation.respond_by) == (ACKNOWLEDGE_BY, RESPOND_BY)
    assert escalation.icb == fresh.icb

    for to_state in (State.ACKNOWLEDGED, State.ACCEPTED, State.ACTION_AGREED, State.RESOLVED):
        step(escalation, fresh.icb_lead, to_state)

    escalation.refresh_from_db()
    assert escalation.state == State.RESOLVED
    assert escalation.agreed_action == "Joint panel."
    events = list(escalation.events.order_by("at", "id"))
    assert [(e.from_state, e.to_state) for e in events] == [
        ("", "escalated"),
        ("escalated", "acknowledged"),
        ("acknowledged", "accepted"),
        ("accepted", "action_agreed"),
        ("action_agreed", "resolved"),
    ]
    assert [e.by for e in events] == [fresh.lead_a] + [fresh.icb_lead] * 4


@pytest.mark.parametrize("from_state", list(State))
@pytest.mark.parametrize("to_state", list(State))
def test_each_step_only_from_its_state(fresh, from_state, to_state):
    escalation = escalate(fresh)
    Escalation.objects.filter(pk=escalation.pk).update(state=from_state)
    allowed = to_state in TRANSITIONS[from_state]

    if allowed:
        step(escalation, fresh.icb_lead, to_state)
        escalation.refresh_from_db()
        assert escalation.state == to_state
    else:
        with pytest.raises(ValidationError) as refused:
            step(escalation, fresh.icb_lead, to_state)
        assert "to_state" in refused.value.message_dict
        escalation.refresh_from_db()
        assert escalation.state == from_state
        assert escalation.events.count() == 1


@pytest.mark.parametrize(
    ("level", "who", "may"),
    [
        (Level.ICB, "icb", True),
        (Level.ICB, "admin", True),
        (Level.ICB, "icb_other", False),
        (Level.ICB, "national", False),
        (Level.ICB, "lead_a", False),
        (Level.NATIONAL, "national", True),
        (Level.NATIONAL, "icb", False),
        (Level.NATIONAL, "lead_a", False),
    ],
)
def test_each_step_only_by_the_level_it_is_at(fresh, level, who, may):
    escalation = escalate(fresh, level=level)

    if may:
        step(escalation, fresh.users[who], State.ACKNOWLEDGED)
        escalation.refresh_from_db()
        assert escalation.state == State.ACKNOWLEDGED
    else:
        with pytest.raises(PermissionDenied):
            step(escalation, fresh.users[who], State.ACKNOWLEDGED)
        escalation.refresh_from_db()
        assert escalation.state == State.ESCALATED


@pytest.mark.parametrize(
    ("from_state", "to_state", "kwargs", "field"),
    [
        (State.ACKNOWLEDGED, State.DECLINED, {"note": "  "}, "note"),
        (State.ACTION_AGREED, State.NOT_RESOLVABLE, {"lever_needed": ""}, "lever_needed"),
        (State.ACTION_AGREED, State.NOT_RESOLVABLE, {"lever_needed": "bribe"}, "lever_needed"),
        (State.ACTION_AGREED, State.RESOLVED, {"lever_needed": "tariff_change"}, "lever_needed"),
        (State.ACCEPTED, State.ACTION_AGREED, {"note": ""}, "note"),
        (State.ESCALATED, "bogus", {}, "to_state"),
    ],
)
def test_step_missing_what_it_needs_is_refused_by_field(
    fresh, from_state, to_state, kwargs, field
):
    escalation = escalate(fresh)
    Escalation.objects.filter(pk=escalation.pk).update(state=from_state)

    with pytest.raises(ValidationError) as refused:
        step(escalation, fresh.icb_lead, to_state, **kwargs)

    assert field in refused.value.message_dict
    escalation.refresh_from_db()
    assert (escalation.state, escalation.version) == (from_state, 1)


def test_stale_step_is_refused(fresh):
    escalation = escalate(fresh)
    seen = escalation.version
    step(escalation, fresh.icb_lead, State.ACKNOWLEDGED)

    with pytest.raises(services.StaleEdit):
        services.take_step(
            by=fresh.icb_lead,
            escalation=escalation,
            to_state=State.ACCEPTED,
            expected_version=seen,
        )
    escalation.refresh_from_db()
    assert escalation.state == State.ACKNOWLEDGED


def test_escalate_refuses_what_cannot_be_escalated(fresh):
    with pytest.raises(ValidationError) as refused:
        services.escalate(by=fresh.lead_a, barrier=fresh.barrier_a, level="x", lever="y", ask="")
    assert set(refused.value.message_dict) == {"level", "lever", "ask"}

    escalate(fresh)
    with pytest.raises(ValidationError) as again:
        escalate(fresh)
    assert "already escalated" in str(again.value)

    no_icb = BarrierFactory(innovation=fresh.innovation, organisation=fresh.pcn)
    with pytest.raises(ValidationError) as no_icb_refused:
        services.escalate(
            by=fresh.admin, barrier=no_icb, level=Level.ICB, lever="other", ask="Help."
        )
    assert "no ICB" in no_icb_refused.value.message_dict["level"][0]
    with pytest.raises(PermissionDenied):
        escalate(fresh, fresh.barrier_b)
    assert Escalation.objects.filter(barrier__in=[no_icb, fresh.barrier_b]).count() == 0


def test_closed_barrier_is_not_escalated(fresh):
    fresh.barrier_a.status, fresh.barrier_a.resolved_on = BarrierStatus.RESOLVED, D(2026, 3, 1)
    fresh.barrier_a.save()
    with pytest.raises(ValidationError):
        escalate(fresh)


# --- pages: field-level errors, nothing changed, never a 500 -----------------------------


def test_lead_escalates_from_the_barrier_page(client, fresh):
    signed_in(client, fresh.lead_a)
    page = client.get(f"/barriers/{fresh.barrier_a.public_id}/")
    assert f"/barriers/{fresh.barrier_a.public_id}/escalate/" in page.content.decode()

    response = client.post(
        f"/barriers/{fresh.barrier_a.public_id}/escalate/",
        {"level": "icb", "lever": "pooled_budget", "ask": "Pool the budget."},
    )

    escalation = Escalation.objects.get(barrier=fresh.barrier_a, state=State.ESCALATED)
    assert response.status_code == 302
    assert response["Location"] == f"/escalations/{escalation.public_id}/"
    detail = client.get(response["Location"]).content.decode()
    assert "Pool the budget." in detail and "ICB One" in detail


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"level": "icb", "lever": "pooled_budget", "ask": ""}, "ask"),
        ({"level": "icb", "lever": "bribe", "ask": "Help."}, "lever"),
        ({"level": "moon", "lever": "other", "ask": "Help."}, "level"),
        ({"level": "icb", "lever": "other", "ask": "x" * 1001}, "ask"),
    ],
)
def test_bad_escalation_gets_field_errors_and_stores_nothing(client, fresh, data, field):
    response = signed_in(client, fresh.lead_a).post(
        f"/barriers/{fresh.barrier_a.public_id}/escalate/", data
    )

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Escalation.objects.filter(state=State.ESCALATED).exists()


def test_others_may_not_escalate(client, fresh):
    for user in (fresh.lead_b, fresh.icb_lead, fresh.national):
        response = signed_in(client, user).post(
            f"/barriers/{fresh.barrier_a.public_id}/escalate/",
            {"level": "icb", "lever": "other", "ask": "Help."},
        )
        assert response.status_code == 403
    assert not Escalation.objects.filter(state=State.ESCALATED).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"to_state": "accepted"}, "to_state"),  # not from "escalated"
        ({"to_state": "nonsense"}, "to_state"),
        ({"to_state": "acknowledged", "version": "x"}, "version"),
        ({"to_state": "acknowledged", "lever_needed": "bribe"}, "lever_needed"),
    ],
)
def test_bad_step_gets_field_errors_and_changes_nothing(client, icb_world, data, field):
    escalation = icb_world.escalation_a
    data = {"version": escalation.version, "note": "", "lever_needed": ""} | data

    response = signed_in(client, icb_world.icb_lead).post(
        f"/escalations/{escalation.public_id}/step/", data
    )

    assert response.status_code == 400
    assert field in response.context["form"].errors
    escalation.refresh_from_db()
    assert (escalation.state, escalation.version) == (State.ESCALATED, 1)


def test_decline_without_reason_is_refused_beside_the_note(client, icb_world):
    escalation = icb_world.escalation_a
    step(escalation, icb_world.icb_lead, State.ACKNOWLEDGED)
    escalation.refresh_from_db()

    response = signed_in(client, icb_world.icb_lead).post(
        f"/escalations/{escalation.public_id}/step/",
        {"to_state": "declined", "note": "", "version": escalation.version},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["note"] == ["Enter the reason for declining."]
    escalation.refresh_from_db()
    assert escalation.state == State.ACKNOWLEDGED


def test_stale_step_page_says_so(client, icb_world):
    escalation = icb_world.escalation_a
    seen = escalation.version
    step(escalation, icb_world.icb_lead, State.ACKNOWLEDGED)

    response = signed_in(client, icb_world.icb_lead).post(
        f"/escalations/{escalation.public_id}/step/",
        {"to_state": "acknowledged", "note": "", "version": seen},
    )

    assert response.status_code == 409
    assert "Someone else moved this escalation on" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.events.count() == 2


def test_wrong_level_may_not_open_the_step_page(client, icb_world):
    url = f"/escalations/{icb_world.escalation_a.public_id}/step/"
    for user in (icb_world.national, icb_world.lead_a, icb_world.icb_lead_other):
        assert signed_in(client, user).post(url, {"to_state": "acknowledged"}).status_code == 403
    icb_world.escalation_a.refresh_from_db()
    assert icb_world.escalation_a.state == State.ESCALATED


# --- due dates missed, and raised -------------------------------------------------------


def test_second_missed_due_date_raises_to_national(fresh):
    escalation = escalate(fresh, today=ESCALATED_ON)

    assert services.raise_overdue_escalations(today=ACKNOWLEDGE_BY) == (0, 0)
    assert services.raise_overdue_escalations(today=D(2026, 4, 10)) == (1, 0)
    assert services.raise_overdue_escalations(today=D(2026, 4, 10)) == (0, 0)  # idempotent
    escalation.refresh_from_db()
    assert (escalation.level, escalation.misses) == (Level.ICB, 1)
    assert Escalation.objects.overdue(today=D(2026, 4, 10)).filter(pk=escalation.pk).exists()

    assert services.raise_overdue_escalations(today=D(2026, 5, 6)) == (1, 1)
    assert services.raise_overdue_escalations(today=D(2026, 5, 6)) == (0, 0)

    escalation.refresh_from_db()
    assert (escalation.level, escalation.state, escalation.raised_on) == (
        Level.NATIONAL,
        State.ESCALATED,
        D(2026, 5, 6),
    )
    # The national team's clock starts on the day it is raised: Wednesday 6 May + 3.
    assert escalation.acknowledge_by == D(2026, 5, 11)
    assert escalation.icb == fresh.icb
    kinds = list(escalation.events.values_list("kind", flat=True).order_by("at", "id"))
    assert kinds == [EventKind.STEP, EventKind.MISSED, EventKind.MISSED, EventKind.RAISED]

    with pytest.raises(PermissionDenied):
        step(escalation, fresh.icb_lead, State.ACKNOWLEDGED)
    step(escalation, fresh.national, State.ACKNOWLEDGED)


def test_answer_missed_after_a_timely_acknowledgement_gets_a_last_reminder(fresh):
    escalation = escalate(fresh, today=ESCALATED_ON)
    step(escalation, fresh.icb_lead, State.ACKNOWLEDGED)

    assert services.raise_overdue_escalations(today=D(2026, 5, 6)) == (1, 0)
    # Three working days after the missed answer (5 May): Friday 8 May.
    assert services.raise_overdue_escalations(today=D(2026, 5, 8)) == (0, 0)
    assert services.raise_overdue_escalations(today=D(2026, 5, 11)) == (1, 1)
    escalation.refresh_from_db()
    assert escalation.level == Level.NATIONAL


def test_answered_escalations_are_not_raised(fresh):
    escalation = escalate(fresh, today=ESCALATED_ON)
    step(escalation, fresh.icb_lead, State.ACKNOWLEDGED)
    step(escalation, fresh.icb_lead, State.ACCEPTED)

    assert services.raise_overdue_escalations(today=D(2026, 12, 1)) == (0, 0)


def test_national_escalation_is_flagged_but_goes_no_higher(fresh):
    escalation = escalate(fresh, level=Level.NATIONAL, today=ESCALATED_ON)

    missed, raised = services.raise_overdue_escalations(today=D(2026, 12, 1))

    escalation.refresh_from_db()
    assert (missed, raised) == (3, 0)
    assert (escalation.level, escalation.misses) == (Level.NATIONAL, 3)
    assert services.raise_overdue_escalations(today=D(2026, 12, 2)) == (0, 0)


def test_command_raises_and_is_idempotent(fresh):
    escalation = escalate(fresh, today=D(2025, 1, 6))
    out = io.StringIO()

    call_command("raise_overdue_escalations", stdout=out)
    call_command("raise_overdue_escalations", stdout=out)

    escalation.refresh_from_db()
    assert escalation.level == Level.NATIONAL
    assert "2 missed due dates recorded; 1 escalation raised" in out.getvalue()
    assert "0 missed due dates recorded; 0 escalations raised" in out.getvalue()
    assert (
        EscalationEvent.objects.filter(escalation=escalation, kind=EventKind.RAISED).count() == 1
    )


def test_detail_shows_due_dates_and_history(client, fresh):
    escalation = escalate(fresh, today=ESCALATED_ON)
    services.raise_overdue_escalations(today=D(2026, 4, 10))

    page = signed_in(client, fresh.icb_lead).get(f"/escalations/{escalation.public_id}/")

    text = page.content.decode()
    assert "9 April 2026" in text and "5 May 2026" in text
    assert "Overdue" in text
    assert "Due date missed" in text and "Alex Lead" in text


# --- the queue ----------------------------------------------------------------------------


def queue_of(client, user, query=""):
    response = signed_in(client, user).get(f"/escalations/{query}")
    assert response.status_code == 200
    return {e.pk for e in response.context["page"].object_list}


def test_queues_hold_what_is_escalated_to_each(client, fresh):
    to_icb = escalate(fresh)
    to_national = escalate(fresh, fresh.confidential_a, level=Level.NATIONAL)

    assert queue_of(client, fresh.icb_lead) == {to_icb.pk, fresh.escalation_a.pk}
    assert queue_of(client, fresh.national) == {to_national.pk}
    assert queue_of(client, fresh.lead_a) == {to_icb.pk, to_national.pk, fresh.escalation_a.pk}
    assert queue_of(client, fresh.lead_b) == set()
    assert queue_of(client, fresh.icb_lead_other) == set()


def test_queue_filters(client, fresh):
    overdue = escalate(fresh, today=ESCALATED_ON)
    other_innovation = BarrierFactory(
        innovation=InnovationFactory(name="Remote monitoring"), organisation=fresh.trust_b
    )
    recent = services.escalate(
        by=fresh.lead_b,
        barrier=other_innovation,
        level="icb",
        lever="tariff_change",
        ask="Tariff.",
    )
    icb = fresh.icb_lead

    assert queue_of(client, icb, "?overdue=yes") == {overdue.pk}
    assert queue_of(client, icb, "?lever=tariff_change") == {recent.pk}
    assert queue_of(client, icb, f"?innovation={other_innovation.innovation_id}") == {recent.pk}
    assert queue_of(client, icb, "?state=resolved") == {fresh.escalation_a.pk}
    assert queue_of(client, icb, "?region=Y56&overdue=no") == {recent.pk, fresh.escalation_a.pk}
    assert signed_in(client, icb).get("/escalations/?state=bogus").status_code == 400
    assert client.get("/escalations/?page=999").status_code == 200


def test_queue_queries_do_not_grow_with_its_length(client, fresh, django_assert_max_num_queries):
    for _ in range(30):
        barrier = BarrierFactory(innovation=fresh.innovation, organisation=fresh.trust_b)
        services.escalate(by=fresh.lead_b, barrier=barrier, level="icb", lever="other", ask="Hi")
    signed_in(client, fresh.icb_lead)

    # The session, the user, their memberships, the count, the page's rows (with barrier,
    # innovation, organisation, region, category and ICB joined), and the filter bar's
    # innovations and regions.
    with django_assert_max_num_queries(8):
        response = client.get("/escalations/?overdue=no")
    assert len(response.context["page"].object_list) == 25


# --- confidentiality in the queue and the asks --------------------------------------------


def asks_of(client, user):
    response = signed_in(client, user).get("/escalations/asks/?download=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_confidential_escalation_to_an_icb_stays_with_it(client, fresh):
    secret = escalate(fresh, fresh.confidential_a, lever="risk_share")
    url = f"/escalations/{secret.public_id}/"

    for user in (fresh.lead_a, fresh.icb_lead, fresh.national, fresh.admin):
        assert signed_in(client, user).get(url).status_code == 200
    for user in (fresh.lead_b, fresh.icb_lead_other):
        assert signed_in(client, user).get(url).status_code == 404
        assert secret.pk not in queue_of(client, user)
    assert secret.pk in queue_of(client, fresh.icb_lead)
    # The ICB sees what was escalated to it, not the barrier's own page.
    assert (
        signed_in(client, fresh.icb_lead)
        .get(f"/barriers/{fresh.confidential_a.public_id}/")
        .status_code
        == 404
    )

    national_asks = asks_of(client, fresh.national)
    assert {(r["Lever"], r["Organisations"]) for r in national_asks} == {("Risk share", "1")}
    assert [r["Lever"] for r in asks_of(client, fresh.icb_lead)] == ["Risk share"]
    assert asks_of(client, fresh.icb_lead_other) == []


def test_confidential_escalation_to_national_is_hidden_from_the_icb(client, fresh):
    secret = escalate(fresh, fresh.confidential_a, level=Level.NATIONAL)

    assert secret.pk not in queue_of(client, fresh.icb_lead)
    assert (
        signed_in(client, fresh.icb_lead).get(f"/escalations/{secret.public_id}/").status_code
        == 404
    )
    assert asks_of(client, fresh.icb_lead) == []
    assert secret.pk in queue_of(client, fresh.national)
    assert len(asks_of(client, fresh.national)) == 1


def test_asks_group_by_lever_and_innovation(client, fresh):
    escalate(fresh, lever="tariff_change", today=D(2026, 3, 2))
    for trust, lead in ((fresh.trust_b, fresh.lead_b),):
        barrier = BarrierFactory(innovation=fresh.innovation, organisation=trust)
        services.escalate(
            by=lead, barrier=barrier, level="national", lever="tariff_change", ask="Tariff."
        )
    barrier = BarrierFactory(innovation=fresh.innovation, organisation=fresh.trust_b)
    services.escalate(by=fresh.lead_b, barrier=barrier, level="icb", lever="other", ask="Other.")

    rows = asks_of(client, fresh.national)
    page = signed_in(client, fresh.national).get("/escalations/asks/").content.decode()

    assert [
        (r["Lever"], r["Innovation"], r["Organisations"], r["Open escalations"]) for r in rows
    ] == [
        ("Tariff change", "Virtual wards", "2", "2"),
        ("Other", "Virtual wards", "1", "1"),
    ]
    assert rows[0]["Oldest escalated on"] == "2026-03-02"
    assert "Tariff change would unblock 2 organisations’ adoption of Virtual wards" in page


def test_an_icb_leads_asks_leave_out_what_was_raised_to_the_national_team(client, fresh):
    escalate(fresh, lever="risk_share", today=ESCALATED_ON)
    services.raise_overdue_escalations(today=D(2026, 4, 10))
    services.raise_overdue_escalations(today=D(2026, 5, 6))  # the second miss: raised

    assert asks_of(client, fresh.icb_lead) == []
    assert [row["Lever"] for row in asks_of(client, fresh.national)] == ["Risk share"]


def test_asks_are_for_icbs_and_the_national_team(client, fresh):
    for user in (fresh.lead_a, fresh.lead_b):
        assert signed_in(client, user).get("/escalations/asks/").status_code == 403
    response = signed_in(client, fresh.national).get("/escalations/asks/?download=csv&x=1")
    assert response.status_code == 400


def test_icb_lead_changes_no_trusts_records(client, icb_world):
    signed_in(client, icb_world.icb_lead)
    barrier = icb_world.barrier_a

    assert client.get(f"/barriers/{barrier.public_id}/edit/").status_code == 403
    assert client.post(f"/barriers/{barrier.public_id}/status/", {}).status_code == 403
    assert client.get("/barriers/new/").status_code == 403
    page = client.get(f"/barriers/{barrier.public_id}/").content.decode()
    assert "Escalate this barrier" not in page
    assert f"/escalations/{icb_world.escalation_a.public_id}/" in page


@pytest.mark.parametrize(
    "data",
    [
        {"to_state": ["acknowledged", "accepted"], "version": ["1", "2"]},
        {"to_state": "acknowledged", "version": "99999999999999999999"},
        {"to_state": "acknowledged", "version": "-1", "note": "é" * 3000},
        {"to_state": "acknowledged", "version": "²"},
        {"to_state": "acknowledged", "version": "9" * 5000},
        {},
    ],
)
def test_odd_step_input_is_a_4xx(client, icb_world, data):
    response = signed_in(client, icb_world.icb_lead).post(
        f"/escalations/{icb_world.escalation_a.public_id}/step/", data
    )

    assert response.status_code in (302, 400, 409)
    icb_world.escalation_a.refresh_from_db()
    assert icb_world.escalation_a.events.count() == 1 or response.status_code == 302


def test_asks_page_queries_are_bounded(client, fresh, django_assert_max_num_queries):
    for _ in range(12):
        barrier = BarrierFactory(innovation=InnovationFactory(), organisation=fresh.trust_b)
        services.escalate(by=fresh.lead_b, barrier=barrier, level="icb", lever="other", ask="Hi")
    signed_in(client, fresh.national)

    # The session, the user, their memberships, and the grouped asks.
    with django_assert_max_num_queries(4):
        response = client.get("/escalations/asks/")
    assert len(response.context["rows"]) == 12


def test_missed_due_dates_are_named_in_the_history(fresh):
    escalation = escalate(fresh, today=ESCALATED_ON)
    services.raise_overdue_escalations(today=D(2026, 5, 6))

    notes = list(
        escalation.events.filter(kind=EventKind.MISSED)
        .order_by("id")
        .values_list("note", flat=True)
    )
    assert notes == [
        "The acknowledgement due by 9 April 2026 was missed (1 missed at this level).",
        "The acceptance or decline due by 5 May 2026 was missed (2 missed at this level).",
    ]
