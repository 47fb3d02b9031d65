"""Count the barriers and enabler actions already recorded into the tallies that times to
resolve are estimated from, now that they count what is not resolved too: accepted barriers
beside resolved ones, open barriers by the day they were identified, and every finished action
by the days to its completion. What each counts is written out here, not read from
adoption/dashboards/tallies.py, so that later changes there leave what this migration does
unchanged; the counting itself is migration 0006's."""

import importlib

from django.db import migrations
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce

FILLING = importlib.import_module("adoption.dashboards.migrations.0006_fill_tallies")
DaysBetween = FILLING.DaysBetween

# (tally model, model of the records counted, key columns, count columns, records counted)
TALLIES = [
    (
        "ResolveDaysTally",
        "Barrier",
        {
            "region_id": Coalesce(F("organisation__region_id"), 0),
            "category_id": F("category_id"),
            "days": DaysBetween("resolved_on", "identified_on"),
        },
        {"barriers": Count("id"), "accepted": Count("id", filter=Q(status="accepted"))},
        Q(status__in=["resolved", "accepted"]),
    ),
    (
        "OpenSinceTally",
        "Barrier",
        {
            "region_id": Coalesce(F("organisation__region_id"), 0),
            "category_id": F("category_id"),
            "identified_on": F("identified_on"),
        },
        {"barriers": Count("id")},
        Q(status__in=["open", "being_addressed"]),
    ),
    (
        "ActionTally",
        "EnablerAction",
        {
            "region_id": Coalesce(F("barrier__organisation__region_id"), 0),
            "category_id": F("barrier__category_id"),
            "enabler_type_id": F("enabler_type_id"),
            "outcome": F("outcome"),
            "days": Coalesce(DaysBetween("completed_on", "barrier__identified_on"), Value(-1)),
        },
        {"actions": Count("id")},
        Q(),
    ),
]


def fill(apps, schema_editor):
    """Recount these tallies, so an existing deployment's start true."""
    refill_tallies(apps, schema_editor, TALLIES)


def refill_tallies(apps, schema_editor, tallies):
    """Empty these tallies and count them afresh (migration 0006's counting)."""
    tables = [apps.get_model("dashboards", tally[0]) for tally in tallies]
    for model in tables:
        model.objects.all().delete()
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for tally in tallies:
            FILLING.refill(apps, cursor, tally)
        if connection.vendor == "postgresql":
            for model in tables:
                cursor.execute(f"ANALYZE {model._meta.db_table}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0007_open_since_tally"),
        ("barriers", "0009_public_ids"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
