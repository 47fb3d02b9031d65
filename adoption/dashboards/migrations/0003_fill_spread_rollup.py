"""Count the stage changes already recorded into the spread roll-up. The counting is written
out here, not read from adoption/dashboards/rollups.py, so that later changes there leave what
this migration does unchanged."""

from django.db import migrations
from django.db.models import Count, Q
from django.db.models.functions import TruncQuarter

# The order of progress; a change to a later stage in it is an advance.
STAGE_ORDER = ["not_started", "exploring", "business_case", "piloting", "implementing", "embedded"]
ADVANCE = Q()
for _i, _from in enumerate(STAGE_ORDER):
    for _to in STAGE_ORDER[_i + 1 :]:
        ADVANCE |= Q(from_stage=_from, to_stage=_to)


def fill(apps, schema_editor):
    """Count the stage changes already recorded, so an existing deployment's roll-up starts
    true."""
    rollup = apps.get_model("dashboards", "SpreadRollup")
    counts = (
        apps.get_model("barriers", "StageChange")
        .objects.annotate(quarter=TruncQuarter("changed_on"))
        .values(
            "adoption__innovation_id",
            "adoption__organisation__region_id",
            "adoption__organisation__icb_id",
            "adoption__organisation__org_type",
            "quarter",
        )
        .annotate(changes=Count("id"), advances=Count("id", filter=ADVANCE))
    )
    rollup.objects.all().delete()
    rollup.objects.bulk_create(
        (
            rollup(
                innovation_id=row["adoption__innovation_id"],
                region_id=row["adoption__organisation__region_id"] or 0,
                icb_id=row["adoption__organisation__icb_id"] or 0,
                org_type=row["adoption__organisation__org_type"],
                quarter=row["quarter"],
                changes=row["changes"],
                advances=row["advances"],
            )
            for row in counts.iterator(chunk_size=5000)
        ),
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_data_version"),
        ("barriers", "0002_seed_taxonomies"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
