"""The tallies kept per region added up over every region (times to resolve and What worked),
counted from the records already there. What each counts is written out here, not read from
adoption/dashboards/tallies.py, so that later changes there leave what this migration does
unchanged; the counting itself is migration 0006's."""

import importlib

from django.db import migrations, models
from django.db.models import Case, Count, F, IntegerField, Q, Value, When

TIMES = importlib.import_module("adoption.dashboards.migrations.0008_fill_times_to_resolve")
DaysBetween = TIMES.DaysBetween

# (tally model, model of the records counted, key columns, count columns, records counted)
TALLIES = [
    (
        "NationalResolveDaysTally",
        "Barrier",
        {
            "category_id": F("category_id"),
            "days": DaysBetween("resolved_on", "identified_on"),
        },
        {"barriers": Count("id"), "accepted": Count("id", filter=Q(status="accepted"))},
        Q(status__in=["resolved", "accepted"]),
    ),
    (
        "NationalOpenSinceTally",
        "Barrier",
        {"category_id": F("category_id"), "identified_on": F("identified_on")},
        {"barriers": Count("id")},
        Q(status__in=["open", "being_addressed"]),
    ),
    (
        "NationalActionTally",
        "EnablerAction",
        {
            "category_id": F("barrier__category_id"),
            "enabler_type_id": F("enabler_type_id"),
            "outcome": F("outcome"),
            "days": Case(
                When(
                    outcome="resolved",
                    then=DaysBetween("completed_on", "barrier__identified_on"),
                ),
                default=Value(-1),
                output_field=IntegerField(),
            ),
        },
        {"actions": Count("id")},
        Q(),
    ),
]


def fill(apps, schema_editor):
    TIMES.refill_tallies(apps, schema_editor, TALLIES)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0010_actions_days_only_when_resolved"),
    ]

    operations = [
        migrations.CreateModel(
            name="NationalActionTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("category_id", models.BigIntegerField()),
                ("enabler_type_id", models.BigIntegerField()),
                ("outcome", models.CharField(max_length=20)),
                ("days", models.IntegerField()),
                ("actions", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("category_id", "enabler_type_id", "outcome", "days"),
                        name="national_action_tally_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="NationalOpenSinceTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("category_id", models.BigIntegerField()),
                ("identified_on", models.DateField()),
                ("barriers", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("category_id", "identified_on"),
                        name="national_open_since_tally_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="NationalResolveDaysTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("category_id", models.BigIntegerField()),
                ("days", models.IntegerField()),
                ("barriers", models.IntegerField(default=0)),
                ("accepted", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("category_id", "days"), name="national_resolve_days_tally_key"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
