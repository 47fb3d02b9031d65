"""Writes to adoptions, barriers and enabler actions.

Views, the admin and the API call these; nothing else changes an adoption's stage, so the
stage history and the audit trail are written in exactly one place.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from adoption.barriers.models import Adoption, StageChange


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
