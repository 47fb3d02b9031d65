"""Tallies: barriers and enabler actions counted per place and the few other things the national
dashboards group by, so an unfiltered or regional view reads thousands of counted rows rather
than a million barriers.

A tally is declared once, as a `Tally`: its table, the records it counts, and the expressions
for its key and its counts. From that one declaration come

- the fresh count (`Tally.count`), used to rebuild it and to check it in tests;
- its upkeep: the write services change its rows in the same transaction, by the difference
  between what the records contributed before and after (adoption/dashboards/upkeep.py); bulk
  loads and changes of place (announced by the registry's services) rebuild every tally;
- `narrowed`: the tally's rows for a set of dashboard filters, or None when a filter is not one
  of its keys (or the viewer does not see every barrier), and the page counts the records.

docs/adr/0003-roll-ups-tallies-and-cached-figures.md says why, and
tests/integration/test_tallies.py checks every tally against a fresh count after random changes.
"""

from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncQuarter
from django.dispatch import receiver

from adoption.barriers.models import ActionOutcome, BarrierStatus, Severity
from adoption.dashboards.models import PLACE_COLUMNS
from adoption.dashboards.sql import DaysBetween
from adoption.registry.signals import places_changed


def _place(prefix):
    return {
        "region_id": Coalesce(F(f"{prefix}organisation__region_id"), 0),
        "icb_id": Coalesce(F(f"{prefix}organisation__icb_id"), 0),
        "org_type": F(f"{prefix}organisation__org_type"),
    }


@dataclass
class Tally:
    model_name: str  # the tally's model in the dashboards app
    source: str  # "barrier" or "action": which records it counts
    keys: dict  # column -> expression over the source records
    counts: dict  # column -> aggregate over the source records
    filters: dict = field(default_factory=dict)  # dashboard filter -> the column it narrows
    where: Q = field(default_factory=Q)  # which source records count

    def model(self, apps=global_apps):
        return apps.get_model("dashboards", self.model_name)

    def records(self, apps=global_apps):
        model = (
            ("barriers", "Barrier") if self.source == "barrier" else ("barriers", "EnablerAction")
        )
        return apps.get_model(*model).objects.filter(self.where)

    def counted(self, records=None, apps=global_apps):
        """The grouped query counting `records` (default: all): key columns, then counts."""
        records = self.records(apps) if records is None else records.filter(self.where)
        # Aliases, as a key may share its column's name with a field of the records.
        keys = {f"key{i}": expression for i, expression in enumerate(self.keys.values())}
        counts = {f"count{i}": expression for i, expression in enumerate(self.counts.values())}
        return records.order_by().values(**keys).annotate(**counts).values_list(*keys, *counts)

    def count(self, records=None, apps=global_apps, chunk_size=5000):
        """{key tuple: counts tuple}, counted afresh from `records` (default: all), read in
        chunks (or, with `chunk_size=None`, at once: for a few records)."""
        width = len(self.keys)
        rows = self.counted(records, apps)
        return {
            tuple(row[:width]): tuple(n or 0 for n in row[width:])
            for row in (rows if chunk_size is None else rows.iterator(chunk_size=chunk_size))
        }

    def refill(self, apps=global_apps):
        """Insert a fresh count of every record, in one statement run by the database."""
        try:
            sql, params = self.counted(apps=apps).query.sql_with_params()
        except EmptyResultSet:
            return
        table = self.model(apps)._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join([*self.keys, *self.counts])}) {sql}", params
            )

    def add(self, difference):
        """Add {key: counts} to the tally (counts may be negative)."""
        table = self.model()._meta.db_table
        columns = [*self.keys, *self.counts]
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET "
            + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in self.counts)
        )
        # In key order, so that two transactions changing the same rows lock them in the same
        # order and never deadlock.
        rows = [[*key, *n] for key, n in sorted(difference.items()) if any(n)]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)

    def narrowed(self, used):
        """The tally's rows for the filters in use ({name: cleaned value}), or None when one of
        them is not a key of this tally."""
        if set(used) - set(self.filters):
            return None
        first_count = next(iter(self.counts))
        rows = self.model().objects.filter(**{f"{first_count}__gt": 0})
        for name, value in used.items():
            rows = rows.filter(**{self.filters[name]: getattr(value, "pk", value)})
        return rows


def difference(before, after):
    """{key: counts after − counts before} for two counts of the same records."""
    changes = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        width = len(old or new)
        changes[key] = tuple((new[i] if new else 0) - (old[i] if old else 0) for i in range(width))
    return changes


BARRIER_FILTERS = {**PLACE_COLUMNS, "category": "category_id"}

BARRIERS = Tally(
    "BarrierTally",
    "barrier",
    keys={**_place(""), "category_id": F("category_id"), "status": F("status")},
    counts={
        "barriers": Count("id"),
        "critical": Count("id", filter=Q(severity=Severity.CRITICAL)),
        "severity_total": Sum("severity"),
    },
    filters={**BARRIER_FILTERS, "status": "status"},
)
BY_INNOVATION = Tally(
    "BarrierInnovationTally",
    "barrier",
    keys={**_place(""), "innovation_id": F("innovation_id"), "category_id": F("category_id")},
    counts={"barriers": Count("id")},
    filters={**BARRIER_FILTERS, "innovation": "innovation_id"},
)


def _by_quarter(event, date_field, **options):
    """Barriers per place, category and the quarter of one of their dates."""
    return Tally(
        "BarrierQuarterTally",
        "barrier",
        keys={
            **_place(""),
            "category_id": F("category_id"),
            "event": Value(event),
            "quarter": TruncQuarter(date_field),
        },
        counts={"barriers": Count("id")},
        filters=BARRIER_FILTERS,
        **options,
    )


OPENED = _by_quarter("opened", "identified_on")
RESOLVED = _by_quarter("resolved", "resolved_on", where=Q(resolved_on__isnull=False))

RESOLVE_DAYS = Tally(
    "ResolveDaysTally",
    "barrier",
    keys={
        "region_id": Coalesce(F("organisation__region_id"), 0),
        "category_id": F("category_id"),
        "days": DaysBetween("resolved_on", "identified_on"),
    },
    counts={"barriers": Count("id")},
    filters={"region": "region_id", "category": "category_id"},
    where=Q(status=BarrierStatus.RESOLVED),
)
ACTIONS = Tally(
    "ActionTally",
    "action",
    keys={
        "region_id": Coalesce(F("barrier__organisation__region_id"), 0),
        "category_id": F("barrier__category_id"),
        "enabler_type_id": F("enabler_type_id"),
        "outcome": F("outcome"),
        # Days from the barrier being identified to the action that resolved it; -1 for an
        # action that did not.
        "days": Case(
            When(
                outcome=ActionOutcome.RESOLVED,
                then=DaysBetween("completed_on", "barrier__identified_on"),
            ),
            default=Value(-1),
            output_field=IntegerField(),
        ),
    },
    counts={"actions": Count("id")},
    filters={"region": "region_id", "category": "category_id"},
)

TALLIES = [BARRIERS, BY_INNOVATION, OPENED, RESOLVED, RESOLVE_DAYS, ACTIONS]
OF_BARRIERS = [t for t in TALLIES if t.source == "barrier"]
OF_ACTIONS = [t for t in TALLIES if t.source == "action"]


# --- upkeep ------------------------------------------------------------------------------------


def rebuild_tallies(apps=global_apps):
    """Recount every tally from the records (after bulk loads and changes of place)."""
    for model_name in dict.fromkeys(tally.model_name for tally in TALLIES):
        apps.get_model("dashboards", model_name).objects.all().delete()
    for tally in TALLIES:
        tally.refill(apps)
    if connection.vendor == "postgresql":
        # Fresh statistics, so the planner knows how many rows each tally now holds.
        with connection.cursor() as cursor:
            for model_name in dict.fromkeys(tally.model_name for tally in TALLIES):
                table = apps.get_model("dashboards", model_name)._meta.db_table
                cursor.execute(f"ANALYZE {table}")


@receiver(places_changed)
def places_changed_recount(sender, **kwargs):
    with transaction.atomic():
        rebuild_tallies()
