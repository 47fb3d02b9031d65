"""Writes to adoptions, barriers and enabler actions.

Views, the admin and the API call these; nothing else changes an adoption's stage, so the
stage history and the audit trail are written in exactly one place.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from adoption.barriers.models import (
    CLOSED_STATUSES,
    ActionOutcome,
    Adoption,
    Barrier,
    BarrierStatus,
    EnablerAction,
    Stage,
    StageChange,
)


class StaleEdit(Exception):
    """Someone else saved the record after this edit began."""

    def __init__(self, current):
        super().__init__(
            f"{current!r} was changed by someone else (now version {current.version})."
        )
        self.current = current


def _stamp_history(instance, *, by, reason=""):
    """Tell django-simple-history who made the change and why."""
    instance._history_user = by
    if reason:
        instance._change_reason = reason[:100]


@transaction.atomic
def create_adoption(*, by, adoption, note=""):
    """Save a new adoption and record its first stage in the stage history."""
    if adoption.pk is not None:
        raise ValueError("create_adoption takes an adoption that is not yet saved.")
    adoption.stage_changed_on = adoption.stage_changed_on or timezone.localdate()
    _stamp_history(adoption, by=by, reason=note)
    adoption.save()
    StageChange.objects.create(
        adoption=adoption,
        from_stage="",
        to_stage=adoption.stage,
        changed_on=adoption.stage_changed_on,
        changed_by=by,
        note=note,
    )
    return adoption


@transaction.atomic
def change_stage(*, by, adoption, stage, on=None, note="", expected_version=None):
    """Move an adoption to `stage` on date `on` (default today), recording who and why.

    Raises StaleEdit when `expected_version` is given and the adoption has moved on since, and
    ValidationError for a change that cannot be true (same stage, a date in the future or
    before the current stage began).
    """
    current = Adoption.objects.select_for_update().get(pk=adoption.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    today = timezone.localdate()
    on = on or today
    if stage == current.stage:
        raise ValidationError(
            {"stage": f"The adoption is already at “{current.get_stage_display()}”."}
        )
    if on > today:
        raise ValidationError({"changed_on": "The date of the change cannot be in the future."})
    if on < current.stage_changed_on:
        raise ValidationError(
            {
                "changed_on": "The date of the change cannot be before the current stage began "
                f"({current.stage_changed_on:%-d %B %Y})."
            }
        )
    StageChange.objects.create(
        adoption=current,
        from_stage=current.stage,
        to_stage=stage,
        changed_on=on,
        changed_by=by,
        note=note,
    )
    current.stage = stage
    current.stage_changed_on = on
    current.version += 1
    _stamp_history(
        current, by=by, reason=note or f"Stage changed to {current.get_stage_display()}"
    )
    current.save(update_fields=["stage", "stage_changed_on", "version", "updated_at"])
    adoption.refresh_from_db()
    return current


def _lock_current(model, instance, expected_version):
    current = model.objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    return current


@transaction.atomic
def record_barrier(*, by, fields, partners=()):
    """Log a new barrier. The adoption it blocks is created (at 'exploring') when the
    organisation had not recorded one, and any 'no current barrier' mark on it is cleared."""
    barrier = Barrier(**fields, reported_by=by)
    barrier.full_clean(exclude=["partners"])
    _stamp_history(barrier, by=by, reason="Barrier logged")
    barrier.save()
    barrier.partners.set(partners)
    adoption = Adoption.objects.filter(
        innovation=barrier.innovation, organisation=barrier.organisation
    ).first()
    if adoption is None:
        create_adoption(
            by=by,
            adoption=Adoption(
                innovation=barrier.innovation,
                organisation=barrier.organisation,
                stage=Stage.EXPLORING,
            ),
            note="Recorded when a barrier was logged",
        )
    elif adoption.no_barrier_confirmed_on is not None:
        adoption.no_barrier_confirmed_on = None
        adoption.version += 1
        _stamp_history(adoption, by=by, reason="Barrier logged")
        adoption.save(update_fields=["no_barrier_confirmed_on", "version", "updated_at"])
    return barrier


@transaction.atomic
def update_barrier(*, by, barrier, fields, partners=None, expected_version):
    """Apply an edit made from `expected_version`; StaleEdit if someone saved in between."""
    current = _lock_current(Barrier, barrier, expected_version)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean(exclude=["partners"])
    current.version += 1
    _stamp_history(current, by=by, reason="Barrier edited")
    current.save()
    if partners is not None:
        current.partners.set(partners)
    return current


@transaction.atomic
def change_barrier_status(*, by, barrier, status, resolved_on=None, expected_version):
    current = _lock_current(Barrier, barrier, expected_version)
    current.status = status
    current.resolved_on = resolved_on if status in CLOSED_STATUSES else None
    current.full_clean(exclude=["partners"])
    current.version += 1
    _stamp_history(current, by=by, reason=f"Status changed to {current.get_status_display()}")
    current.save()
    return current


@transaction.atomic
def record_enabler_action(*, by, barrier, fields):
    """Record what was done about a barrier. An action under way moves an open barrier to
    'being addressed'."""
    action = EnablerAction(**fields, barrier=barrier, created_by=by)
    action.full_clean()
    _stamp_history(action, by=by, reason="Action recorded")
    action.save()
    if barrier.status == BarrierStatus.OPEN and action.outcome == ActionOutcome.IN_PROGRESS:
        current = Barrier.objects.select_for_update().get(pk=barrier.pk)
        current.status = BarrierStatus.BEING_ADDRESSED
        current.version += 1
        _stamp_history(current, by=by, reason="Action under way")
        current.save(update_fields=["status", "version", "updated_at"])
    return action


@transaction.atomic
def confirm_no_current_barrier(*, by, adoption):
    """Mark that nothing currently blocks this adoption: different from never having said."""
    current = Adoption.objects.select_for_update().get(pk=adoption.pk)
    open_count = (
        Barrier.objects.open()
        .filter(innovation_id=current.innovation_id, organisation_id=current.organisation_id)
        .count()
    )
    if open_count:
        raise ValidationError(
            f"There {'is' if open_count == 1 else 'are'} still {open_count} open "
            f"barrier{'' if open_count == 1 else 's'} for this adoption: resolve or accept "
            "them first."
        )
    current.no_barrier_confirmed_on = timezone.localdate()
    current.version += 1
    _stamp_history(current, by=by, reason="No current barrier")
    current.save(update_fields=["no_barrier_confirmed_on", "version", "updated_at"])
    return current
