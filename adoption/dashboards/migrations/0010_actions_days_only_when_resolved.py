"""Count the enabler actions already recorded into the actions tally by the days to the action
that resolved its barrier only: an action that did not resolve its barrier never will, so its
days are not kept (a far smaller tally for What worked to read). What it counts is written out
here, not read from adoption/dashboards/tallies.py, so that later changes there leave what
this migration does unchanged; the counting itself is migration 0006's."""

import importlib

from django.db import migrations
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

FILLING = importlib.import_module("adoption.dashboards.migrations.0006_fill_tallies")
TIMES = importlib.import_module("adoption.dashboards.migrations.0008_fill_times_to_resolve")
DaysBetween = FILLING.DaysBetween

ACTIONS = (
    "ActionTally",
    "EnablerAction",
    {
        "region_id": Coalesce(F("barrier__organisation__region_id"), 0),
        "category_id": F("barrier__category_id"),
        "enabler_type_id": F("enabler_type_id"),
        "outcome": F("outcome"),
        "days": Case(
            When(outcome="resolved", then=DaysBetween("completed_on", "barrier__identified_on")),
            default=Value(-1),
            output_field=IntegerField(),
        ),
    },
    {"actions": Count("id")},
    Q(),
)


def fill(apps, schema_editor):
    TIMES.refill_tallies(apps, schema_editor, [ACTIONS])


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0009_figure_versions")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
