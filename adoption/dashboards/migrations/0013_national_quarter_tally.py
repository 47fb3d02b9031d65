"""Barriers opened and resolved per quarter added up over every place, counted from the
barriers already recorded. What it counts is written out here, not read from
adoption/dashboards/tallies.py, so that later changes there leave what this migration does
unchanged; the counting itself is migration 0006's."""

import importlib

from django.db import migrations, models
from django.db.models import Count, F, Q, Value
from django.db.models.functions import TruncQuarter

TIMES = importlib.import_module("adoption.dashboards.migrations.0008_fill_times_to_resolve")


def by_quarter(event, date_field, where):
    return (
        "NationalBarrierQuarterTally",
        "Barrier",
        {
            "category_id": F("category_id"),
            "event": Value(event),
            "quarter": TruncQuarter(date_field),
        },
        {"barriers": Count("id")},
        where,
    )


def fill(apps, schema_editor):
    TIMES.refill_tallies(
        apps,
        schema_editor,
        [
            by_quarter("opened", "identified_on", Q()),
            by_quarter("resolved", "resolved_on", Q(resolved_on__isnull=False)),
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0012_cache_lz4"),
    ]

    operations = [
        migrations.CreateModel(
            name="NationalBarrierQuarterTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("category_id", models.BigIntegerField()),
                ("event", models.CharField(max_length=10)),
                ("quarter", models.DateField()),
                ("barriers", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("category_id", "event", "quarter"),
                        name="national_barrier_quarter_tally_key",
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
