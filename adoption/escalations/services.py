"""Writes to escalations: the one door. Pages, the admin and the management command call these.

Each write records who did what and when in the escalation's history (`EscalationEvent`), checks
the step against the state machine in adoption/escalations/models.py, and asks the access policy
(adoption/accounts/policy.py) whether the person may take it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from adoption.accounts.policy import access_for
from adoption.barriers.models import Barrier
from adoption.barriers.services import StaleEdit
from adoption.escalations.models import (
    ASK_MAX_LENGTH,
    AWAITING,
    LEVER_REQUIRED,
    NOTE_MAX_LENGTH,
    NOTE_REQUIRED,
    OPEN_STATES,
    Escalation,
    EscalationEvent,
    EventKind,
    Level,
    Lever,
    State,
    due_dates,
)

__all__ = ["StaleEdit", "escalate", "take_step", "raise_overdue_escalations"]


@transaction.atomic
def escalate(*, by, barrier, level, lever, ask, today=None):
    """Escalate an open barrier to its organisation's ICB or to the national team.

    Raises PermissionDenied unless `by` may escalate it, and ValidationError, by field, for
    a closed barrier, one already escalated and not yet closed, an ICB escalation from an
    organisation with no ICB, or a missing or too long ask or an unknown lever or level.
    """
    today = today or timezone.localdate()
    barrier = Barrier.objects.select_for_update().select_related("organisation").get(pk=barrier.pk)
    if not access_for(by).may_escalate(barrier):
        raise PermissionDenied("Only the reporting organisation's innovation lead may escalate.")
    errors = {}
    if not barrier.is_open:
        errors["__all__"] = "Only an open barrier can be escalated."
    elif barrier.escalations.filter(state__in=OPEN_STATES).exists():
        errors["__all__"] = "This barrier is already escalated; follow that escalation."
    if level not in Level.values:
        errors["level"] = "Choose who to escalate to."
    elif level == Level.ICB and barrier.organisation.icb_id is None:
        errors["level"] = (
            "Your organisation has no ICB recorded. Escalate to the national team instead."
        )
    if lever not in Lever.values:
        errors["lever"] = "Choose the lever that would remove the barrier."
    ask = (ask or "").strip()
    if not ask:
        errors["ask"] = "Enter what you are asking for, in a sentence."
    elif len(ask) > ASK_MAX_LENGTH:
        errors["ask"] = f"What is asked must be {ASK_MAX_LENGTH:,} characters or fewer."
    if errors:
        raise ValidationError(errors)
    acknowledge_by, respond_by = due_dates(today)
    escalation = Escalation.objects.create(
        barrier=barrier,
        level=level,
        icb_id=barrier.organisation.icb_id if level == Level.ICB else None,
        ask=ask,
        lever=lever,
        escalated_by=by,
        escalated_on=today,
        level_since=today,
        acknowledge_by=acknowledge_by,
        respond_by=respond_by,
    )
    EscalationEvent.objects.create(
        escalation=escalation,
        by=by,
        level=level,
        from_state="",
        to_state=State.ESCALATED,
        note=ask,
    )
    return escalation


def _lock(escalation, expected_version):
    current = (
        Escalation.objects.select_for_update().select_related("barrier").get(pk=escalation.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    return current


@transaction.atomic
def take_step(*, by, escalation, to_state, note="", lever_needed="", expected_version):
    """Move an escalation to `to_state`, recording who, when and why.

    Raises StaleEdit when someone moved it on since `expected_version`, PermissionDenied
    unless `by` belongs to the level it is at, and ValidationError, by field, for a step the
    state machine does not allow from the current state, or a missing reason (declining),
    action (agreeing one) or lever (not resolvable locally).
    """
    current = _lock(escalation, expected_version)
    if not access_for(by).may_act_on_escalation(current):
        raise PermissionDenied("Only the level it is escalated to takes its steps.")
    if to_state not in current.next_steps:
        allowed = ", ".join(f"“{State(s).label.lower()}”" for s in current.next_steps)
        raise ValidationError(
            {
                "to_state": f"An escalation that is “{current.get_state_display().lower()}” "
                + (f"can only be moved to {allowed}." if allowed else "is closed.")
            }
        )
    note = (note or "").strip()
    errors = {}
    if to_state in NOTE_REQUIRED and not note:
        errors["note"] = NOTE_REQUIRED[to_state]
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = f"The note must be {NOTE_MAX_LENGTH:,} characters or fewer."
    if to_state in LEVER_REQUIRED:
        if lever_needed not in Lever.values:
            errors["lever_needed"] = LEVER_REQUIRED[to_state]
    elif lever_needed:
        errors["lever_needed"] = "Name a lever only when it is not resolvable locally."
    if errors:
        raise ValidationError(errors)

    from_state = current.state
    current.state = to_state
    if to_state == State.DECLINED:
        current.decline_reason = note
    elif to_state == State.ACTION_AGREED:
        current.agreed_action = note
    elif to_state == State.NOT_RESOLVABLE:
        current.lever_needed = lever_needed
    current.version += 1
    current.save()
    EscalationEvent.objects.create(
        escalation=current,
        by=by,
        level=current.level,
        from_state=from_state,
        to_state=to_state,
        note=note,
    )
    escalation.refresh_from_db()
    return current


def _record_miss(escalation, deadline, today):
    escalation.misses += 1
    escalation.last_missed_on = deadline
    if escalation.state == State.ESCALATED and deadline == escalation.acknowledge_by:
        step = "acknowledgement"
    elif deadline == escalation.respond_by:
        step = "acceptance or decline"
    else:
        step = "acceptance or decline, after a reminder,"
    EscalationEvent.objects.create(
        escalation=escalation,
        kind=EventKind.MISSED,
        level=escalation.level,
        from_state=escalation.state,
        to_state=escalation.state,
        note=f"The {step} due by {deadline:%-d %B %Y} was missed "
        f"({escalation.misses} missed at this level).",
    )
    if escalation.misses >= 2 and escalation.level == Level.ICB:
        _raise_to_national(escalation, today)
    escalation.version += 1
    escalation.save()


def _raise_to_national(escalation, today):
    from_state = escalation.state
    escalation.level = Level.NATIONAL
    escalation.state = State.ESCALATED
    escalation.level_since = today
    escalation.acknowledge_by, escalation.respond_by = due_dates(today)
    escalation.misses = 0
    escalation.last_missed_on = None
    escalation.raised_on = today
    EscalationEvent.objects.create(
        escalation=escalation,
        kind=EventKind.RAISED,
        level=Level.NATIONAL,
        from_state=from_state,
        to_state=State.ESCALATED,
        note="Raised to the national team after the ICB missed two due dates.",
    )


@transaction.atomic
def raise_overdue_escalations(*, today=None):
    """Count each due date passed without its step once, in the escalation's history, and raise
    an ICB escalation to the national team at its second. Idempotent: running again the same
    day changes nothing. Returns (due dates counted as missed, escalations raised)."""
    today = today or timezone.localdate()
    missed = raised = 0
    candidates = (
        Escalation.objects.select_for_update()
        .filter(state__in=sorted(AWAITING), acknowledge_by__lt=today)
        .order_by("pk")
    )
    for escalation in candidates:
        while (deadline := escalation.next_deadline()) is not None and deadline < today:
            was_icb = escalation.level == Level.ICB
            _record_miss(escalation, deadline, today)
            missed += 1
            if was_icb and escalation.level == Level.NATIONAL:
                raised += 1
                break
    return missed, raised
