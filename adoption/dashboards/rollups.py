"""Rebuilding the spread roll-up.

`SpreadRollup` counts stage changes per innovation, place and quarter; it is declared as the
tally `tallies.SPREAD`, so its fresh count, its upkeep (adoption/dashboards/upkeep.py adds the
stage changes each unit of work adds or deletes) and its rows for a view come from that
declaration. Bulk loads and changes of place (an organisation moving region, ICB or type)
rebuild it from the stage changes. `tests/integration/test_rollups.py` checks it equals a fresh
count after random changes."""

from django.db import transaction
from django.dispatch import receiver

from adoption.dashboards.cache import bump_version
from adoption.dashboards.tallies import SPREAD, rebuild
from adoption.registry.signals import places_changed


@transaction.atomic
def rebuild_spread_rollup():
    bump_version()
    rebuild([SPREAD])


@receiver(places_changed)
def places_changed_rebuild(sender, **kwargs):
    rebuild_spread_rollup()
