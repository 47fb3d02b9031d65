"""Tallies: records counted per place and the few other things the national dashboards group
by, so an unfiltered or regional view reads thousands of counted rows rather than a million
barriers or every stage change.

A tally is declared once, as a `Tally`: its table, the records it counts, and the expressions
for its key and its counts. From that one declaration come

- the fresh count (`Tally.counted`, `Tally.count`), used to rebuild it and to check it in tests;
- its upkeep: the write services change its rows in the same transaction, by the difference
  between what the records contributed before and after (adoption/dashboards/upkeep.py); bulk
  loads and changes of place (announced by the registry's services) rebuild it;
- its rows for a dashboard (`Tally.rows`): its table narrowed by the filters in use when each is
  one of its keys, or else the filtered records counted by `Tally.counted` itself. Both have the
  tally's columns, so every figure adds them up one way (adoption/dashboards/rows.py);
  `DashboardFilters.rows` says which records and filters a view has.

docs/adr/0003-roll-ups-tallies-and-cached-figures.md says why, and
tests/integration/test_tallies.py and test_rollups.py check every tally against a fresh count
after random changes.
"""

from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.db import connection, models, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncQuarter
from django.dispatch import receiver

from adoption.barriers.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    STAGE_ORDER,
    ActionOutcome,
    BarrierStatus,
    Severity,
)
from adoption.dashboards.cache import bump_version
from adoption.dashboards.models import PLACE_COLUMNS
from adoption.dashboards.rows import Rows, alias, sql_of
from adoption.dashboards.sql import DaysBetween
from adoption.registry.models import Innovation
from adoption.registry.signals import places_changed

# What each kind of tally counts.
SOURCES = {
    "barrier": ("barriers", "Barrier"),
    "action": ("barriers", "EnablerAction"),
    "stage change": ("barriers", "StageChange"),
}


def _place(prefix):
    return {
        "region_id": Coalesce(F(f"{prefix}organisation__region_id"), 0),
        "icb_id": Coalesce(F(f"{prefix}organisation__icb_id"), 0),
        "org_type": F(f"{prefix}organisation__org_type"),
    }


@dataclass
class Tally:
    model_name: str  # the tally's model in the dashboards app
    source: str  # a key of SOURCES: which records it counts
    keys: dict  # column -> expression over the source records
    counts: dict  # column -> aggregate over the source records
    # Dashboard filter -> the column it narrows, or a function of the filter's value giving the
    # condition on the tally's rows.
    filters: dict = field(default_factory=dict)
    where: Q = field(default_factory=Q)  # which source records count
    # The same records counted by fewer keys (a tally of its own, `national`): its table serves
    # a view whose filters are all among its keys, from fewer rows.
    rollup: "Tally | None" = field(default=None, repr=False, compare=False)
    # The finer tally this one is the roll-up of.
    of: "Tally | None" = field(default=None, repr=False, compare=False)

    @property
    def columns(self):
        return [*self.keys, *self.counts]

    def model(self, apps=global_apps):
        return apps.get_model("dashboards", self.model_name)

    def records(self, apps=global_apps):
        return apps.get_model(*SOURCES[self.source]).objects.filter(self.where)

    def counted(self, records=None, apps=global_apps, columns=None):
        """The grouped query counting `records` (default: all): key columns, then counts, each
        named by its position (`rows.alias`). With `columns` (some of the tally's, in its
        order, a key among them), those alone: the records grouped by fewer keys."""
        records = self.records(apps) if records is None else records.filter(self.where)
        columns = self.columns if columns is None else columns
        keys = [self.keys[column] for column in columns if column in self.keys]
        counts = [self.counts[column] for column in columns if column in self.counts]
        named_keys = {alias(i): key for i, key in enumerate(keys)}
        named_counts = {alias(len(keys) + i): count for i, count in enumerate(counts)}
        return (
            records.order_by()
            .values(**named_keys)
            .annotate(**named_counts)
            .values_list(*named_keys, *named_counts)
        )

    def count(self, records=None, apps=global_apps, chunk_size=5000):
        """{key tuple: counts tuple}, counted afresh from `records` (default: all), read in
        chunks (or, with `chunk_size=None`, at once: for a few records)."""
        width = len(self.keys)
        rows = self.counted(records, apps)
        return {
            tuple(row[:width]): tuple(n or 0 for n in row[width:])
            for row in (rows if chunk_size is None else rows.iterator(chunk_size=chunk_size))
        }

    def collapsed(self, counted):
        """{key: counts} of the finer tally `of` ({its key: counts}) added up by this tally's
        keys: what the same records contribute here, without counting them again."""
        positions = [list(self.of.keys).index(column) for column in self.keys]
        return added(*({tuple(key[i] for i in positions): n} for key, n in counted.items()))

    def refill(self, apps=global_apps):
        """Insert a fresh count of every record, in one statement run by the database."""
        counted = sql_of(self.counted(apps=apps))
        if counted is None:
            return
        sql, params = counted
        table = self.model(apps)._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({', '.join(self.columns)}) {sql}", params)

    def add(self, difference):
        """Add {key: counts} to the tally (counts may be negative)."""
        table = self.model()._meta.db_table
        columns = self.columns
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
        """The tally's rows in its table for the filters in use ({name: cleaned value}), or None
        when one of them is not a key of this tally. Several tallies may fill one table: each
        reads the rows of its own constant keys."""
        if set(used) - set(self.filters):
            return None
        first_count = next(iter(self.counts))
        rows = self.model().objects.filter(
            **{f"{first_count}__gt": 0},
            **{c: key.value for c, key in self.keys.items() if isinstance(key, Value)},
        )
        for name, value in used.items():
            narrows = self.filters[name]
            if callable(narrows):
                rows = rows.filter(narrows(value))
            else:
                rows = rows.filter(**{narrows: getattr(value, "pk", value)})
        return rows

    def rows(self, used=None, records=None):
        """The tally's rows for a view (`Rows`): its table narrowed by the filters in use
        ({name: cleaned value}) when every one is a key of it; otherwise, or with `used` None,
        `records` (default: all) counted afresh by the query that fills the tally. Its
        `rollup`'s table serves instead where it can."""
        if self.rollup is not None and used is not None and self.rollup.narrowed(used) is not None:
            return self.rollup.rows(used, records)
        model = self.model()
        dates = [
            column
            for column in self.keys
            if isinstance(model._meta.get_field(column), models.DateField)
        ]
        table = None if used is None else self.narrowed(used)
        if table is None:
            records = self.records() if records is None else records
            source = Counted(self, records)
        else:
            # One row per key; the keys a filter or a constant holds to one value need not
            # be asked for to tell the rows apart.
            fixed = {
                column
                for column, key in self.keys.items()
                if isinstance(key, Value) or column in {self.filters[name] for name in used}
            }
            source = Stored(table, [column for column in self.keys if column not in fixed])
        return Rows(self.columns, [source], dates=dates, using=source.using)


class Stored:
    """A tally's rows in its table (narrowed), as `Rows` asks for them: one row per value of
    its `unique` key columns."""

    def __init__(self, table, unique):
        self.table, self.using, self.unique = table, table.db, tuple(unique)

    def sql(self, columns):
        return sql_of(self.table.values(**{alias(i): F(c) for i, c in enumerate(columns)}))


class Counted:
    """A tally's rows counted afresh from some records, grouped by just the keys asked for."""

    def __init__(self, tally, records):
        self.tally, self.records, self.using = tally, records, records.db

    def sql(self, columns):
        return sql_of(self.tally.counted(self.records, columns=columns))


def _innovations(lookup):
    """A filter on innovations (their category, a pathway) as a condition on a tally's
    innovation column."""

    def narrows(value):
        return Q(innovation_id__in=Innovation.objects.filter(**{lookup: value}).values("id"))

    return narrows


def difference(before, after):
    """{key: counts after − counts before} for two counts of the same records."""
    changes = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        width = len(old or new)
        changes[key] = tuple((new[i] if new else 0) - (old[i] if old else 0) for i in range(width))
    return changes


def added(*counted):
    """{key: counts} added up over several counts of different records."""
    total = {}
    for counts in counted:
        for key, values in counts.items():
            old = total.get(key)
            total[key] = values if old is None else tuple(map(sum, zip(old, values, strict=True)))
    return total


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

# The filters the tallies kept per region and category serve.
REGION_AND_CATEGORY = {"region": "region_id", "category": "category_id"}

# Times to resolve, counting the barriers not resolved (Kaplan–Meier; aggregates.
# days_to_resolve): the closed ones by the days they took, the accepted among them (closed
# without being resolved), and the open ones by the day they were identified, so that how long
# each has been open is counted on the day it is read.
RESOLVE_DAYS = Tally(
    "ResolveDaysTally",
    "barrier",
    keys={
        "region_id": Coalesce(F("organisation__region_id"), 0),
        "category_id": F("category_id"),
        "days": DaysBetween("resolved_on", "identified_on"),
    },
    counts={
        "barriers": Count("id"),
        "accepted": Count("id", filter=Q(status=BarrierStatus.ACCEPTED)),
    },
    filters=REGION_AND_CATEGORY,
    where=Q(status__in=CLOSED_STATUSES),
)
OPEN_SINCE = Tally(
    "OpenSinceTally",
    "barrier",
    keys={
        "region_id": Coalesce(F("organisation__region_id"), 0),
        "category_id": F("category_id"),
        "identified_on": F("identified_on"),
    },
    counts={"barriers": Count("id")},
    filters=REGION_AND_CATEGORY,
    where=Q(status__in=OPEN_STATUSES),
)
ACTIONS = Tally(
    "ActionTally",
    "action",
    keys={
        "region_id": Coalesce(F("barrier__organisation__region_id"), 0),
        "category_id": F("barrier__category_id"),
        "enabler_type_id": F("enabler_type_id"),
        "outcome": F("outcome"),
        # Days from the barrier being identified to the action that resolved it; -1 for any
        # other action (one that did not resolve its barrier never will, whenever it ended).
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
    filters=REGION_AND_CATEGORY,
)


# The key columns that place what a tally counts.
PLACE_KEYS = ("region_id", "icb_id", "org_type")


def national(tally, model_name):
    """`tally`, kept per place, added up over every place in a table of its own (its
    `rollup`): an unfiltered view, or one narrowed by category alone, reads one row per key
    rather than summing each place's. Kept from the tally's counts on every write
    (`collapsed`), rebuilt with it."""
    tally.rollup = Tally(
        model_name,
        tally.source,
        keys={column: key for column, key in tally.keys.items() if column not in PLACE_KEYS},
        counts=tally.counts,
        filters={"category": "category_id"},
        where=tally.where,
        of=tally,
    )
    return tally.rollup


NATIONAL_RESOLVE_DAYS = national(RESOLVE_DAYS, "NationalResolveDaysTally")
NATIONAL_OPEN_SINCE = national(OPEN_SINCE, "NationalOpenSinceTally")
NATIONAL_ACTIONS = national(ACTIONS, "NationalActionTally")
NATIONAL_OPENED = national(OPENED, "NationalBarrierQuarterTally")
NATIONAL_RESOLVED = national(RESOLVED, "NationalBarrierQuarterTally")

# A stage change to a later stage in the order of progress is an advance.
ADVANCE = Q()
for _i, _from in enumerate(STAGE_ORDER):
    for _to in STAGE_ORDER[_i + 1 :]:
        ADVANCE |= Q(from_stage=_from, to_stage=_to)

# The spread roll-up: stage changes per innovation, place and quarter, for the stall rule's
# advances per quarter. Adoptions are not confidential, so it serves every viewer.
SPREAD = Tally(
    "SpreadRollup",
    "stage change",
    keys={
        "innovation_id": F("adoption__innovation_id"),
        **_place("adoption__"),
        "quarter": TruncQuarter("changed_on"),
    },
    counts={"changes": Count("id"), "advances": Count("id", filter=ADVANCE)},
    filters={
        **PLACE_COLUMNS,
        "innovation": "innovation_id",
        "innovation_category": _innovations("category"),
        "pathway": _innovations("pathways"),
    },
)

# The tallies of barriers and actions: rebuilt together, and kept by the barrier upkeep.
TALLIES = [
    BARRIERS,
    BY_INNOVATION,
    OPENED,
    NATIONAL_OPENED,
    RESOLVED,
    NATIONAL_RESOLVED,
    RESOLVE_DAYS,
    NATIONAL_RESOLVE_DAYS,
    OPEN_SINCE,
    NATIONAL_OPEN_SINCE,
    ACTIONS,
    NATIONAL_ACTIONS,
]
OF_BARRIERS = [t for t in TALLIES if t.source == "barrier"]
OF_ACTIONS = [t for t in TALLIES if t.source == "action"]


def count_each(declared, records):
    """[{key: counts}] contributed by a few `records` to each of these tallies, counted afresh
    (a roll-up from its finer tally's count, listed before it)."""
    counted = {}
    for tally in declared:
        counted[id(tally)] = (
            tally.collapsed(counted[id(tally.of)])
            if tally.of is not None
            else tally.count(records, chunk_size=None)
        )
    return [counted[id(tally)] for tally in declared]


# --- upkeep ------------------------------------------------------------------------------------


def rebuild(declared, apps=global_apps):
    """Recount these tallies from the records (after bulk loads and changes of place), and let
    no cached figure outlive them."""
    bump_version()
    tables = list(dict.fromkeys(tally.model(apps) for tally in declared))
    for model in tables:
        model.objects.all().delete()
    for tally in declared:
        tally.refill(apps)
    if connection.vendor == "postgresql":
        # Fresh statistics, so the planner knows how many rows each tally now holds.
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f"ANALYZE {model._meta.db_table}")


def rebuild_tallies(apps=global_apps):
    rebuild(TALLIES, apps)


@receiver(places_changed)
def places_changed_recount(sender, **kwargs):
    with transaction.atomic():
        rebuild_tallies()
