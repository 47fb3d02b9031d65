"""Keeping the figures true after a write: the tallies, the spread roll-up and the data version
that keys every cached figure.

The write services (adoption/barriers/services.py) are the only writers of adoptions, barriers
and enabler actions, and they say here what they are about to change:

    with figures_upkeep() as upkeep:
        upkeep.barrier_changing(barrier)      # before changing it or its actions
        ... save ...
        upkeep.stage_change_added(change)

When the outermost `figures_upkeep` block ends, still inside the service's transaction, the
upkeep counts afresh what each touched barrier (with its actions) contributes to each tally,
adds the difference from what it contributed before, counts the new stage changes into the
roll-up, and bumps the versions of the scopes it touched (every innovation, region and ICB of
the records changed, and "all": adoption/dashboards/cache.py): once per unit of work, however
many services it spans.
A block that fails applies nothing (its transaction rolls back anyway).

docs/adr/0004-one-door-for-writes.md says why; the property tests in
tests/integration/test_tallies.py and test_rollups.py check the result against fresh counts.
"""

import threading
from contextlib import contextmanager

from django.db import connection, transaction

from adoption.barriers.models import Barrier, EnablerAction, StageChange
from adoption.dashboards import tallies
from adoption.dashboards.cache import bump_scopes, scope
from adoption.registry.models import Organisation

_local = threading.local()


def _counted(barrier_ids):
    """What the barriers (and all their actions) contribute to each tally, in one list."""
    barriers = Barrier.objects.filter(pk__in=barrier_ids)
    actions = EnablerAction.objects.filter(barrier_id__in=barrier_ids)
    return tallies.count_each(tallies.OF_BARRIERS, barriers) + tallies.count_each(
        tallies.OF_ACTIONS, actions
    )


NO_CONTRIBUTION = [{} for _ in tallies.OF_BARRIERS + tallies.OF_ACTIONS]


class FigureUpkeep:
    """One unit of work's changes to counted records."""

    def __init__(self):
        self._before = {}  # barrier id -> its contribution when first touched
        self._new = set()  # barriers created in this unit: they contributed nothing before
        self._changes_before = {}  # what the stage changes deleted in this unit contributed
        self._new_changes = set()  # stage changes added in this unit
        self._scopes = set()  # of records changed that no tally holds
        self._touched = False

    def barrier_changing(self, barrier_id):
        """Call before changing a barrier, any of its actions, or deleting either."""
        self._touched = True
        if barrier_id not in self._before and barrier_id not in self._new:
            self._before[barrier_id] = _counted([barrier_id])

    def barrier_added(self, barrier_id):
        """Call after saving a new barrier."""
        self._touched = True
        self._new.add(barrier_id)

    def stage_change_added(self, change):
        self._touched = True
        self._new_changes.add(change.pk)

    def stage_changes_removing(self, changes):
        """Call with the stage changes about to be deleted (e.g. with their adoption)."""
        self._touched = True
        counted = tallies.SPREAD.count(
            StageChange.objects.filter(
                pk__in=[change.pk for change in changes if change.pk not in self._new_changes]
            ),
            chunk_size=None,
        )
        self._changes_before = tallies.added(self._changes_before, counted)

    def record_changed(self, adoption):
        """Something counted changed that no tally holds (an adoption's details or mark)."""
        self._touched = True
        region, icb = Organisation.objects.values_list("region_id", "icb_id").get(
            pk=adoption.organisation_id
        )
        self._scopes |= _scopes({"innovation_id": adoption.innovation_id, "region_id": region})
        self._scopes |= _scopes({"icb_id": icb})

    def apply(self):
        scopes = set(self._scopes)
        barrier_ids = sorted(self._before.keys() | self._new)
        if barrier_ids:
            before = _merged(self._before[pk] for pk in barrier_ids if pk in self._before)
            after = _counted(barrier_ids)
            for tally, old, new in zip(
                tallies.OF_BARRIERS + tallies.OF_ACTIONS, before, after, strict=True
            ):
                tally.add(tallies.difference(old, new))
                if tally is tallies.BY_INNOVATION:
                    scopes |= _scopes_of(tally, old.keys() | new.keys())
        if self._changes_before or self._new_changes:
            after = tallies.SPREAD.count(
                StageChange.objects.filter(pk__in=self._new_changes), chunk_size=None
            )
            tallies.SPREAD.add(tallies.difference(self._changes_before, after))
            scopes |= _scopes_of(tallies.SPREAD, self._changes_before.keys() | after.keys())
        if self._touched:
            bump_scopes(scopes)


SCOPED = {"innovation_id": "innovation", "region_id": "region", "icb_id": "icb"}


def _scopes(values):
    """The scopes of a record from its {innovation_id, region_id, icb_id} (any of them)."""
    return {scope(SCOPED[name], pk) for name, pk in values.items() if name in SCOPED and pk}


def _scopes_of(tally, keys):
    """The scopes of the records counted under these keys of a tally."""
    found = set()
    for key in keys:
        found |= _scopes(dict(zip(tally.keys, key, strict=True)))
    return found


def _merged(contributions):
    """Several records' contributions added together, tally by tally."""
    return [tallies.added(*counts) for counts in zip(NO_CONTRIBUTION, *contributions, strict=True)]


@contextmanager
def figures_upkeep():
    """Join this thread's unit of work, or start one and apply it when the block ends, in the
    same transaction as the writes (joining the caller's, or starting one)."""
    current = getattr(_local, "upkeep", None)
    if current is not None:
        yield current
        return
    _local.upkeep = upkeep = FigureUpkeep()
    try:
        with transaction.atomic(savepoint=False):
            _check_references_as_written()
            yield upkeep
            upkeep.apply()
    finally:
        _local.upkeep = None


def _check_references_as_written():
    """Check foreign keys as each row is written, not at COMMIT.

    Django creates them DEFERRABLE INITIALLY DEFERRED, so PostgreSQL checks them when the
    transaction commits, taking a key-share lock on each row referred to (an innovation, an
    organisation) only then: after the unit of work has bumped the figure versions every
    writer shares. A writer holding a lock on one of those rows and waiting for the versions
    would then deadlock with it (seen under mixed load). Checked as written, those locks are
    taken before the shared rows are touched."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
