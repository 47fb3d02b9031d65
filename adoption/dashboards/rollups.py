"""Keeping the roll-up tables true.

`SpreadRollup` counts stage changes per innovation, place and quarter. Every stage change the
write services add or delete adjusts its row in the same transaction (through
adoption/dashboards/upkeep.py); bulk loads and changes of place (an organisation moving region,
ICB or type) rebuild it from the stage changes. `tests/integration/test_rollups.py` checks it
equals a fresh count after random changes."""

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncQuarter
from django.dispatch import receiver

from adoption.barriers.models import STAGE_ORDER, StageChange, is_advance
from adoption.dashboards.models import SpreadRollup
from adoption.dashboards.quarters import quarter_start
from adoption.registry.models import Organisation
from adoption.registry.signals import places_changed

ADVANCE = Q()
for _i, _from in enumerate(STAGE_ORDER):
    for _to in STAGE_ORDER[_i + 1 :]:
        ADVANCE |= Q(from_stage=_from, to_stage=_to)

UPSERT = f"""
INSERT INTO {SpreadRollup._meta.db_table}
    (innovation_id, region_id, icb_id, org_type, quarter, changes, advances)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (innovation_id, region_id, icb_id, org_type, quarter) DO UPDATE SET
    changes = {SpreadRollup._meta.db_table}.changes + excluded.changes,
    advances = {SpreadRollup._meta.db_table}.advances + excluded.advances
"""


def count_stage_change(change, sign):
    adoption = change.adoption
    # Read the place from the database: an organisation object in memory may predate a move.
    region_id, icb_id, org_type = Organisation.objects.filter(
        pk=adoption.organisation_id
    ).values_list("region_id", "icb_id", "org_type")[0]
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT,
            [
                adoption.innovation_id,
                region_id or 0,
                icb_id or 0,
                org_type,
                quarter_start(change.changed_on),
                sign,
                sign if is_advance(change.from_stage, change.to_stage) else 0,
            ],
        )


def live_spread_counts(stage_changes=None):
    """The roll-up's rows, counted afresh from the stage changes."""
    stage_changes = StageChange.objects if stage_changes is None else stage_changes
    return (
        stage_changes.annotate(quarter=TruncQuarter("changed_on"))
        .values(
            "adoption__innovation_id",
            "adoption__organisation__region_id",
            "adoption__organisation__icb_id",
            "adoption__organisation__org_type",
            "quarter",
        )
        .annotate(changes=Count("id"), advances=Count("id", filter=ADVANCE))
    )


def fill_spread_rollup(rollup_model, stage_changes):
    """Replace every roll-up row with a fresh count. Takes the models so that a migration can
    pass its historical ones."""
    rollup_model.objects.all().delete()
    rollup_model.objects.bulk_create(
        (
            rollup_model(
                innovation_id=row["adoption__innovation_id"],
                region_id=row["adoption__organisation__region_id"] or 0,
                icb_id=row["adoption__organisation__icb_id"] or 0,
                org_type=row["adoption__organisation__org_type"],
                quarter=row["quarter"],
                changes=row["changes"],
                advances=row["advances"],
            )
            for row in live_spread_counts(stage_changes).iterator(chunk_size=5000)
        ),
        batch_size=5000,
    )


@transaction.atomic
def rebuild_spread_rollup():
    from adoption.dashboards.cache import bump_version

    bump_version()
    fill_spread_rollup(SpreadRollup, StageChange.objects)


@receiver(places_changed)
def places_changed_rebuild(sender, **kwargs):
    rebuild_spread_rollup()
