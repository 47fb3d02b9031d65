"""Count the barriers and enabler actions already recorded into the tallies. What each tally
counts is written out here, not read from adoption/dashboards/tallies.py, so that later changes
there leave what this migration does unchanged."""

from django.core.exceptions import EmptyResultSet
from django.db import migrations
from django.db.models import Case, Count, F, Func, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncQuarter


class DaysBetween(Func):
    """Whole days from `start` to `end` (two date columns)."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")


def place(prefix=""):
    return {
        "region_id": Coalesce(F(f"{prefix}organisation__region_id"), 0),
        "icb_id": Coalesce(F(f"{prefix}organisation__icb_id"), 0),
        "org_type": F(f"{prefix}organisation__org_type"),
    }


def by_quarter(event, date_field, where=None):
    """Barriers per place, category and the quarter of one of their dates."""
    keys = {
        **place(),
        "category_id": F("category_id"),
        "event": Value(event),
        "quarter": TruncQuarter(date_field),
    }
    return ("BarrierQuarterTally", "Barrier", keys, {"barriers": Count("id")}, where or Q())


# (tally model, model of the records counted, key columns, count columns, records counted)
TALLIES = [
    (
        "BarrierTally",
        "Barrier",
        {**place(), "category_id": F("category_id"), "status": F("status")},
        {
            "barriers": Count("id"),
            "critical": Count("id", filter=Q(severity=4)),
            "severity_total": Sum("severity"),
        },
        Q(),
    ),
    (
        "BarrierInnovationTally",
        "Barrier",
        {**place(), "innovation_id": F("innovation_id"), "category_id": F("category_id")},
        {"barriers": Count("id")},
        Q(),
    ),
    by_quarter("opened", "identified_on"),
    by_quarter("resolved", "resolved_on", Q(resolved_on__isnull=False)),
    (
        "ResolveDaysTally",
        "Barrier",
        {
            "region_id": Coalesce(F("organisation__region_id"), 0),
            "category_id": F("category_id"),
            "days": DaysBetween("resolved_on", "identified_on"),
        },
        {"barriers": Count("id")},
        Q(status="resolved"),
    ),
    (
        "ActionTally",
        "EnablerAction",
        {
            "region_id": Coalesce(F("barrier__organisation__region_id"), 0),
            "category_id": F("barrier__category_id"),
            "enabler_type_id": F("enabler_type_id"),
            "outcome": F("outcome"),
            # Days from the barrier being identified to the action that resolved it; -1 for an
            # action that did not.
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


def refill(apps, cursor, tally):
    """Insert a fresh count of the tally's records, in one statement run by the database."""
    model_name, source, keys, counts, where = tally
    records = apps.get_model("barriers", source).objects.filter(where)
    # Aliases, as a key may share its column's name with a field of the records.
    aliased_keys = {f"key{i}": expression for i, expression in enumerate(keys.values())}
    aliased_counts = {f"count{i}": expression for i, expression in enumerate(counts.values())}
    counted = (
        records.order_by()
        .values(**aliased_keys)
        .annotate(**aliased_counts)
        .values_list(*aliased_keys, *aliased_counts)
    )
    try:
        sql, params = counted.query.sql_with_params()
    except EmptyResultSet:
        return
    table = apps.get_model("dashboards", model_name)._meta.db_table
    cursor.execute(f"INSERT INTO {table} ({', '.join([*keys, *counts])}) {sql}", params)


def fill(apps, schema_editor):
    """Count the barriers and actions already recorded, so an existing deployment's tallies
    start true."""
    tables = [
        apps.get_model("dashboards", model_name)
        for model_name in dict.fromkeys(tally[0] for tally in TALLIES)
    ]
    for model in tables:
        model.objects.all().delete()
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for tally in TALLIES:
            refill(apps, cursor, tally)
        if connection.vendor == "postgresql":
            # Fresh statistics, so the planner knows how many rows each tally now holds.
            for model in tables:
                cursor.execute(f"ANALYZE {model._meta.db_table}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0005_tallies"),
        ("barriers", "0004_savings_pair_index"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
