"""Writes to adoptions, barriers and enabler actions: the one door.

Views, the admin and the API call these, and nothing else writes these records, so each rule
holds whichever door a change comes through. Each service shows its side effects:

- the audit trail: who changed what and why (`_stamp_history`, kept by django-simple-history);
- the stage history of an adoption (`StageChange`);
- the figures: each says which records it is about to change to the unit of work of
  adoption/dashboards/upkeep.py, which, once per unit however many services it spans, brings
  the tallies and the spread roll-up up to date and bumps the data version of cached figures.

`Model.save` keeps only defaults that need nothing but the record itself.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from adoption.barriers.models import (
    ACTION_COPIES,
    CLOSED_STATUSES,
    ActionOutcome,
    Adoption,
    Barrier,
    BarrierStatus,
    EnablerAction,
    Stage,
    StageChange,
)
from adoption.dashboards.upkeep import figures_upkeep


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
    with figures_upkeep() as figures:
        _stamp_history(adoption, by=by, reason=note)
        adoption.save()
        change = StageChange.objects.create(
            adoption=adoption,
            from_stage="",
            to_stage=adoption.stage,
            changed_on=adoption.stage_changed_on,
            changed_by=by,
            note=note,
        )
        figures.stage_change_added(change)
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
    with figures_upkeep() as figures:
        change = StageChange.objects.create(
            adoption=current,
            from_stage=current.stage,
            to_stage=stage,
            changed_on=on,
            changed_by=by,
            note=note,
        )
        figures.stage_change_added(change)
        current.stage = stage
        current.stage_changed_on = on
        current.version += 1
        _stamp_history(
            current, by=by, reason=note or f"Stage changed to {current.get_stage_display()}"
        )
        current.save(update_fields=["stage", "stage_changed_on", "version", "updated_at"])
    adoption.refresh_from_db()
    return current


@transaction.atomic
def update_adoption(*, by, adoption, fields):
    """Change an adoption's other details (its route of arrival). Its stage changes only
    through `change_stage`, its 'no current barrier' mark through `confirm_no_current_barrier`
    and the barrier services."""
    if {"stage", "stage_changed_on"} & set(fields):
        raise ValueError("An adoption's stage changes only through change_stage.")
    current = Adoption.objects.select_for_update().get(pk=adoption.pk)
    with figures_upkeep() as figures:
        for name, value in fields.items():
            setattr(current, name, value)
        current.full_clean()
        current.version += 1
        _stamp_history(current, by=by, reason="Adoption edited")
        current.save()
        figures.record_changed(current)
    return current


@transaction.atomic
def delete_adoption(*, by, adoption):
    """Delete an adoption with its stage history (recorded in error). Its barriers stay: they
    belong to the organisation and the innovation, not to the adoption."""
    current = Adoption.objects.select_for_update().get(pk=adoption.pk)
    with figures_upkeep() as figures:
        figures.stage_changes_removing(list(current.stage_changes.select_related("adoption")))
        _stamp_history(current, by=by, reason="Adoption deleted")
        current.delete()


def _validate(record):
    """A barrier's or an action's fields and rules, as a ValidationError naming each field.

    Their check constraints restate what the fields' choices and validators and the models'
    `clean` already check here, so they are left to the database rather than each checked by a
    query of its own; the random public id needs no uniqueness query either."""
    record.full_clean(exclude=["partners", "public_id"], validate_constraints=False)


def _lock_current(model, instance, expected_version, *, related=()):
    """The record locked (not the `related` records read with it), checked for staleness."""
    current = (
        model.objects.select_related(*related).select_for_update(of=("self",)).get(pk=instance.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    return current


# Locks. Every write takes the row locks it needs before its first save: a save also updates
# shared rows (the tallies, the figures' data version), so a lock taken after a save could wait
# on a writer that is itself waiting for those shared rows. A barrier is locked before its
# actions are written, and an adoption before a barrier is saved for it.


def _lock_barrier(pk):
    """The barrier locked, with its organisation (whose opening date is one of its rules)."""
    return (
        Barrier.objects.select_related("organisation").select_for_update(of=("self",)).get(pk=pk)
    )


def _lock_adoption_of(barrier):
    """The adoption a barrier blocks, locked; None if the organisation has not recorded one."""
    return (
        Adoption.objects.select_for_update()
        .filter(innovation_id=barrier.innovation_id, organisation_id=barrier.organisation_id)
        .first()
    )


def _show_on_adoption(*, by, barrier, adoption):
    """What a visible barrier says about its adoption (locked beforehand): the organisation is
    at least exploring the innovation, and something blocks it now. A confidential barrier
    says nothing to anyone outside its organisation, so this waits until it is not."""
    if barrier.is_confidential:
        return
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
    elif adoption.no_barrier_confirmed_on is not None and barrier.is_open:
        adoption.no_barrier_confirmed_on = None
        adoption.version += 1
        _stamp_history(adoption, by=by, reason="Barrier logged")
        adoption.save(update_fields=["no_barrier_confirmed_on", "version", "updated_at"])
        # No tally counts the mark; the cached figures that show it are renewed by the
        # barrier's own upkeep in the same unit of work.


@transaction.atomic
def record_barrier(*, by, fields, partners=()):
    """Log a new barrier. Unless it is confidential, the adoption it blocks is created (at
    'exploring') when the organisation had not recorded one, and any 'no current barrier'
    mark on it is cleared."""
    barrier = Barrier(**fields, reported_by=by)
    _validate(barrier)
    adoption = None if barrier.is_confidential else _lock_adoption_of(barrier)
    with figures_upkeep() as figures:
        _stamp_history(barrier, by=by, reason="Barrier logged")
        _save_with_partners(barrier, partners)
        figures.barrier_added(barrier.pk)
        _show_on_adoption(by=by, barrier=barrier, adoption=adoption)
    return barrier


@transaction.atomic
def update_barrier(*, by, barrier, fields, partners=None, expected_version):
    """Apply an edit made from `expected_version`; StaleEdit if someone saved in between. A
    barrier that stops being confidential, or moves to another adoption, now shows on it."""
    # Its organisation's opening date is one of its rules.
    current = _lock_current(Barrier, barrier, expected_version, related=["organisation"])
    shown_on = (
        None if current.is_confidential else (current.innovation_id, current.organisation_id)
    )
    for name, value in fields.items():
        setattr(current, name, value)
    _validate(current)
    newly_shown = not current.is_confidential and shown_on != (
        current.innovation_id,
        current.organisation_id,
    )
    adoption = _lock_adoption_of(current) if newly_shown else None
    with figures_upkeep() as figures:
        figures.barrier_changing(current.pk)
        current.version += 1
        _stamp_history(current, by=by, reason="Barrier edited")
        if partners is not None and {p.pk for p in partners} == set(
            current.partners.values_list("pk", flat=True)
        ):
            partners = None
        _save_with_partners(current, partners)
        # Its actions carry its innovation and organisation, for lists filtered by them.
        current.actions.exclude(**_copies_of(current)).update(**_copies_of(current))
        if newly_shown:
            _show_on_adoption(by=by, barrier=current, adoption=adoption)
    return current


def _save_with_partners(barrier, partners):
    """Save a barrier and, if given, its new partners, as one entry in its history. Each add
    or remove of a partner would be a history entry of its own, so the partners are set with
    history off and the barrier's save then records them with it (a new barrier is saved
    first without history, to have a key the partners can point at)."""
    if not partners and (barrier.pk is None or partners is None):
        barrier.save()
        return
    barrier.skip_history_when_saving = True
    try:
        if barrier.pk is None:
            barrier.save()
        barrier.partners.set(partners)
    finally:
        del barrier.skip_history_when_saving
    barrier.save()


def _copies_of(barrier):
    return {f"{name}_id": getattr(barrier, f"{name}_id") for name in ACTION_COPIES}


@transaction.atomic
def delete_barrier(*, by, barrier):
    """Delete a barrier logged in error, with its actions."""
    current = _lock_barrier(barrier.pk)
    with figures_upkeep() as figures:
        figures.barrier_changing(current.pk)
        for action in current.actions.all():
            _stamp_history(action, by=by, reason="Barrier deleted")
            action.delete()
        _stamp_history(current, by=by, reason="Barrier deleted")
        current.delete()


@transaction.atomic
def change_barrier_status(*, by, barrier, status, resolved_on=None, expected_version):
    current = _lock_current(Barrier, barrier, expected_version, related=["organisation"])
    current.status = status
    current.resolved_on = resolved_on if status in CLOSED_STATUSES else None
    _validate(current)
    with figures_upkeep() as figures:
        figures.barrier_changing(current.pk)
        current.version += 1
        _stamp_history(current, by=by, reason=f"Status changed to {current.get_status_display()}")
        current.save()
    return current


@transaction.atomic
def record_enabler_action(*, by, barrier, fields):
    """Record what was done about a barrier. An action under way moves an open barrier to
    'being addressed'."""
    current = _lock_barrier(barrier.pk)
    action = EnablerAction(**fields, **_copies_of(current), barrier=current, created_by=by)
    _validate(action)
    with figures_upkeep() as figures:
        figures.barrier_changing(current.pk)
        _stamp_history(action, by=by, reason="Action recorded")
        action.save()
        _address(current, action, by=by)
    return action


def _address(barrier, action, *, by):
    """An action under way moves an open barrier to 'being addressed'; one that resolved it
    resolves it, on the day the action was completed."""
    if barrier.status == BarrierStatus.OPEN and action.outcome == ActionOutcome.IN_PROGRESS:
        barrier.status = BarrierStatus.BEING_ADDRESSED
        reason = "Action under way"
    elif barrier.is_open and action.outcome == ActionOutcome.RESOLVED:
        barrier.status = BarrierStatus.RESOLVED
        barrier.resolved_on = action.completed_on
        reason = "Resolved by an action"
        _validate(barrier)
    else:
        return
    barrier.version += 1
    _stamp_history(barrier, by=by, reason=reason)
    barrier.save(update_fields=["status", "resolved_on", "version", "updated_at"])


@transaction.atomic
def update_enabler_action(*, by, action, fields, expected_version=None):
    """Apply an edit of an action made from `expected_version` (StaleEdit if someone saved in
    between); one now under way moves an open barrier on, one that resolved it resolves it."""
    barrier = _lock_barrier(action.barrier_id)
    current = _lock_current(EnablerAction, action, expected_version)
    current.barrier = barrier
    for name, value in fields.items():
        setattr(current, name, value)
    _validate(current)
    with figures_upkeep() as figures:
        figures.barrier_changing(barrier.pk)
        current.version += 1
        _stamp_history(current, by=by, reason="Action edited")
        current.save()
        _address(barrier, current, by=by)
    return current


@transaction.atomic
def delete_enabler_action(*, by, action):
    """Delete an action recorded in error. The barrier's status stays as it is."""
    barrier = _lock_barrier(action.barrier_id)
    current = EnablerAction.objects.select_for_update().get(pk=action.pk)
    with figures_upkeep() as figures:
        figures.barrier_changing(barrier.pk)
        _stamp_history(current, by=by, reason="Action deleted")
        current.delete()


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
    with figures_upkeep() as figures:
        current.no_barrier_confirmed_on = timezone.localdate()
        current.version += 1
        _stamp_history(current, by=by, reason="No current barrier")
        current.save(update_fields=["no_barrier_confirmed_on", "version", "updated_at"])
        figures.record_changed(current)
    return current
