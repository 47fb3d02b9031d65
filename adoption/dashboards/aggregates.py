"""Every figure on the dashboards, counted in the database.

Each function takes querysets already narrowed by the filter sets and the access policy, or,
for the tallied figures, `Rows` shaped like a tally (adoption/dashboards/rows.py: the tally's
table or a fresh count of the filtered records, whichever `DashboardFilters.rows` chose), and
answers in a fixed number of queries whatever the size of the data. Python only reshapes the
counted rows (pivoting, zero-filling quarters, ratios, Kaplan–Meier medians of counted days) and
applies the stall rule to them.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from adoption.barriers.models import (
    ADOPTER_STAGES,
    OPEN_STATUSES,
    ActionOutcome,
    BarrierCategory,
    EnablerType,
    Route,
    Stage,
    StageChange,
    stalled_q,
)
from adoption.dashboards import stall_rule
from adoption.dashboards.cache import cached, cached_each
from adoption.dashboards.estimates import TimesToResolve, kaplan_meier, wilson_interval
from adoption.dashboards.models import PLACE_COLUMNS, place_key
from adoption.dashboards.quarters import (
    last_complete_quarter,
    quarter_label,
    quarter_start,
    quarters,
)
from adoption.dashboards.rows import as_date
from adoption.registry.models import Innovation, Organisation, OrganisationType

# How a group is named in queries: the field on Adoption/Barrier, and how to label it.
GROUPINGS = {
    "region": "organisation__region",
    "icb": "organisation__icb",
    "org_type": "organisation__org_type",
}
GROUPING_LABELS = {"region": "Region", "icb": "ICB", "org_type": "Organisation type"}


# Every stage's value, in declaration order (read once: `Stage.values` builds a new list each
# time, and the matrix asks per cell).
STAGES = tuple(Stage.values)


def share(part, whole):
    return part / whole if whole else None


def category_names():
    return dict(BarrierCategory.objects.values_list("id", "name"))


# --- labels for groups -------------------------------------------------------------------


def group_names(grouping, keys):
    """{group key: (readable name, the value the filter bar uses for it)}: one query for
    regions and ICBs (their ODS codes), none for organisation types."""
    if grouping == "org_type":
        names = dict(OrganisationType.choices)
        return {key: (names.get(key, key), key) for key in keys}
    ids = [key for key in keys if key]
    found = {
        pk: (name, code)
        for pk, name, code in Organisation.objects.filter(pk__in=ids).values_list(
            "pk", "name", "ods_code"
        )
    }
    return {key: found.get(key, ("Not recorded", "")) for key in keys}


def group_labels(grouping, keys):
    return {key: name for key, (name, _) in group_names(grouping, keys).items()}


def group_columns(grouping, keys):
    """{group key: (column key, name)} for groups shown one per column: a column is keyed by
    its group's code (an ODS code or an organisation type), as the API names places."""
    return {
        key: (code or "not_recorded", name)
        for key, (name, code) in group_names(grouping, keys).items()
    }


# --- adoption and spread -----------------------------------------------------------------


def _adoption_counts(today=None):
    return {
        "organisations": Count("id"),
        "adopters": Count("id", filter=Q(stage__in=ADOPTER_STAGES)),
        "stalled": Count("id", filter=stalled_q(today=today)),
        **{f"stage_{stage}": Count("id", filter=Q(stage=stage)) for stage in STAGES},
    }


def headline(adoptions, barriers, cells):
    """Headline counts: the organisations with any of the `adoptions`, the adoptions added up
    from the spread matrix's `cells` (every adoption is in exactly one), and the barriers from
    `barriers` (rows of `tallies.BARRIERS`)."""
    adopting = Organisation.objects.filter(Exists(adoptions.filter(organisation=OuterRef("pk"))))
    total = sum(cell.verdict.organisations for cell in cells)
    adopters = sum(cell.verdict.adopters for cell in cells)
    stalled = sum(cell.verdict.stalled for cell in cells)
    by_status = dict(barriers.sum(["status"], ["barriers"]))
    return {
        "organisations": adopting.count(),
        "adoptions": total,
        "adopters": adopters,
        "adopter_share": share(adopters, total),
        "stalled": stalled,
        "stalled_share": share(stalled, total),
        "barriers": sum(by_status.values()),
        "open_barriers": sum(n for status, n in by_status.items() if status in OPEN_STATUSES),
    }


@dataclass
class Funnel:
    innovation_id: int
    name: str
    total: int
    stages: dict  # stage -> count


def funnels(cells):
    """Organisations at each stage, per innovation: the spread matrix's counts added up over
    its groups (every adoption is in exactly one group), so no query of their own."""
    by_innovation = {}
    for cell in cells:
        funnel = by_innovation.setdefault(
            cell.innovation_id,
            Funnel(
                innovation_id=cell.innovation_id,
                name=cell.innovation,
                total=0,
                stages=dict.fromkeys(STAGES, 0),
            ),
        )
        funnel.total += cell.verdict.organisations
        for stage, n in cell.stages.items():
            funnel.stages[stage] += n
    return sorted(by_innovation.values(), key=lambda funnel: funnel.name)


@dataclass
class SpreadCell:
    innovation_id: int
    innovation: str
    group: object
    group_label: str
    group_code: str
    verdict: stall_rule.GroupVerdict
    why: stall_rule.Why | None = None  # for a stalling group: its over-represented barriers
    stages: dict = field(default_factory=dict)  # stage -> adoptions at it
    first_quarter: object = None  # of the group's first stage change, where its chart is read

    @property
    def adopter_share(self):
        return self.verdict.adopter_share

    @property
    def stalled_share(self):
        return self.verdict.stalled_share


def advances(changes, groups, *, grouping, today=None):
    """For these (innovation, group) pairs, from `changes` (rows of `tallies.SPREAD`), in one
    query: {(innovation, group): {quarter: advances}} over the quarters before today's, and the
    first quarter with any stage change of each group."""
    today = today or timezone.localdate()
    current = quarter_start(today)
    series, firsts = defaultdict(dict), {}
    column = PLACE_COLUMNS[grouping]
    innovations = sorted({innovation for innovation, _ in groups})
    # Only the groups asked for, where each is a place (a group of no recorded place is kept
    # as 0 or "" in a tally, NULL in the records: those are read with all their innovation's).
    among = None
    if groups and all(group is not None for _, group in groups):
        among = (("innovation_id", column), sorted(groups))
    for innovation, place, quarter, n_changes, n_advances in changes.sum(
        ["innovation_id", column, "quarter"],
        ["changes", "advances"],
        among=among,
        innovation_id=innovations,
    ):
        key = (innovation, place_key(place))
        if n_changes and (key not in firsts or quarter < firsts[key]):
            firsts[key] = quarter
        if n_advances and quarter < current:
            series[key][quarter] = n_advances
    return series, firsts


def spread_counts(adoptions, *, grouping="region", today=None):
    """Adoptions counted per innovation and group (organisations, adopters, stalled, each
    stage), grouped by ids alone (a hash aggregate, no sort of every adoption)."""
    counted = (
        adoptions.values("innovation_id", GROUPINGS[grouping])
        .annotate(**_adoption_counts(today=today))
        .order_by()
    )
    # Read as the database gives them (ids and whole numbers): at national scale there are
    # thousands of rows of a dozen counts each, and Django's per-value conversion costs more
    # than the reading.
    try:
        sql, params = counted.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[counted.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def spread_cells(adoptions, *, changes, grouping="region", today=None, charted=()):
    """One `SpreadCell` per innovation and group, each judged by the stall rule. The advances
    per quarter come from `changes` (rows of `tallies.SPREAD`), read only for groups that may
    stall (`stall_rule.may_stall`) and those keyed in `charted` ((innovation, group) pairs
    whose chart is drawn)."""
    today = today or timezone.localdate()
    group_field = GROUPINGS[grouping]
    rows = spread_counts(adoptions, grouping=grouping, today=today)
    innovation_names = dict(
        Innovation.objects.filter(pk__in={row["innovation_id"] for row in rows}).values_list(
            "pk", "name"
        )
    )
    rows.sort(key=lambda row: innovation_names[row["innovation_id"]])
    candidates = {
        (row["innovation_id"], row[group_field])
        for row in rows
        if stall_rule.may_stall(organisations=row["organisations"], stalled=row["stalled"])
    } | set(charted)
    series, firsts = advances(changes, candidates, grouping=grouping, today=today)
    last = last_complete_quarter(today)
    names = group_names(grouping, {row[group_field] for row in rows})
    cells = []
    for row in rows:
        key = (row["innovation_id"], row[group_field])
        first = firsts.get(key) if key in candidates else None
        points = [series[key].get(q, 0) for q in quarters(first, last)] if first else []
        verdict = stall_rule.judge(
            organisations=row["organisations"],
            adopters=row["adopters"],
            stalled=row["stalled"],
            advances=points,
        )
        cells.append(
            SpreadCell(
                innovation_id=row["innovation_id"],
                innovation=innovation_names[row["innovation_id"]],
                group=row[group_field],
                group_label=names[row[group_field]][0],
                group_code=names[row[group_field]][1],
                verdict=verdict,
                stages={stage: row[f"stage_{stage}"] for stage in STAGES},
                first_quarter=first,
            )
        )
    return cells


def spread_matrix(
    adoptions,
    *,
    changes,
    barriers,
    grouping="region",
    today=None,
    national=None,
    charted=(),
    innovations=None,
):
    """The innovation × group matrix: adoption share, stalled share and the stall flag, with
    why each stalling group stalls (`stall_rule.explain_stalls`), by innovation name then
    group.

    `adoptions`, `changes` (rows of `tallies.SPREAD`) and `barriers` (rows of
    `tallies.BY_INNOVATION`) are narrowed by the viewer's filters. When those include a place,
    `national` holds the same three narrowed by every other filter but not by place: the "why"
    compares a stalling group with the groups where the same innovation spread nationally,
    whatever places the viewer looks at.

    Each innovation's cells depend on its own records alone, so they are cached innovation by
    innovation (`cache.cached_each`): after a write, only the innovation written to is counted
    again. `innovations` (ids) limits the matrix to those; default every innovation."""
    if innovations is None:
        innovations = list(Innovation.objects.values_list("pk", flat=True))
    by_innovation = cached_each(
        "spread_matrix",
        innovations,
        lambda ids: _matrix_of(
            adoptions.filter(innovation_id__in=ids),
            changes=changes,
            barriers=barriers,
            grouping=grouping,
            today=today,
            national=national,
            charted=charted,
        ),
        kind="innovation",
        inputs=[
            adoptions,
            changes,
            barriers,
            *(national or ()),
            grouping,
            sorted(map(repr, charted)),
        ],
        today=today,
        empty=[],
    )
    cells = [cell for pk in innovations for cell in by_innovation[pk]]
    return sorted(cells, key=lambda c: (c.innovation, str(c.group_label)))


def _matrix_of(adoptions, *, changes, barriers, grouping, today, national, charted):
    """{innovation id: its cells} for the innovations of `adoptions`, judged and explained."""
    cells = spread_cells(
        adoptions, changes=changes, grouping=grouping, today=today, charted=charted
    )
    stalling = [cell for cell in cells if cell.verdict.stalling]
    if stalling:
        innovations = sorted({cell.innovation_id for cell in stalling})
        here = barriers_by_group(barriers, innovations, grouping=grouping)
        if national is None:
            compared, elsewhere = [c for c in cells if c.innovation_id in innovations], here
        else:
            national_adoptions, national_changes, national_barriers = national
            compared = spread_cells(
                national_adoptions.filter(innovation_id__in=innovations),
                changes=national_changes,
                grouping=grouping,
                today=today,
            )
            elsewhere = barriers_by_group(national_barriers, innovations, grouping=grouping)
        stall_rule.explain_stalls(stalling, compared, here, elsewhere, category_names())
    by_innovation = defaultdict(list)
    for cell in cells:
        by_innovation[cell.innovation_id].append(cell)
    return by_innovation


def ranked_flags(cells):
    """The stalling groups, most organisations stalled first (then the larger stalled share):
    where acting would move the most organisations."""
    return sorted(
        (cell for cell in cells if cell.verdict.stalling),
        key=lambda c: (-c.verdict.stalled, -c.stalled_share, c.innovation, c.group_label),
    )


# --- why: the barriers counted where spread stalls -----------------------------------------


def barriers_by_group(barriers, innovations, *, grouping):
    """{(innovation, group): {category: barriers}} for these innovations, in one query over
    `barriers` (rows of `tallies.BY_INNOVATION`)."""
    counts = defaultdict(dict)
    for innovation, category, place, n in barriers.sum(
        ["innovation_id", "category_id", PLACE_COLUMNS[grouping]],
        ["barriers"],
        innovation_id=innovations,
    ):
        counts[(innovation, place_key(place))][category] = n
    return counts


# --- barriers ----------------------------------------------------------------------------


@cached
def barrier_heatmap(barriers, *, grouping="region"):
    """Barrier counts by category × group, from `barriers` (rows of `tallies.BARRIERS`):
    (categories, groups [(column key, name)], {(category, column key): n})."""
    rows = [
        (category, place_key(place), n)
        for place, category, n in barriers.sum(
            [PLACE_COLUMNS[grouping], "category_id"], ["barriers"]
        )
    ]
    names = category_names()
    columns = group_columns(grouping, {group for _, group, _ in rows})
    groups = sorted(columns.values(), key=lambda column: str(column[1]))
    cells = {(names[category], columns[group][0]): n for category, group, n in rows}
    return list(names.values()), groups, cells


@cached
def severity_ranking(barriers):
    """Open barriers by category, ranked by the sum of their severities (1 low … 4 critical),
    from `barriers` (rows of `tallies.BARRIERS`)."""
    rows = [
        {"category": category, "open": n, "critical": critical, "weighted": weighted}
        for category, n, critical, weighted in barriers.sum(
            ["category_id"],
            ["barriers", "critical", "severity_total"],
            named={"category_id": BarrierCategory},
            status=OPEN_STATUSES,
        )
    ]
    return sorted(rows, key=lambda row: (-row["weighted"], row["category"]))


@cached
def opened_and_resolved_by_quarter(events, *, today=None):
    """Barriers opened and resolved per quarter, from `events` (rows of `tallies.OPENED` and
    `tallies.RESOLVED`), every quarter from the first to today's."""
    today = today or timezone.localdate()
    counted = defaultdict(dict)
    for event, quarter, n in events.sum(["event", "quarter"], ["barriers"]):
        counted[event][quarter] = n
    opened, resolved = counted["opened"], counted["resolved"]
    if not opened and not resolved:
        return []
    first = min([*opened, *resolved])
    return [
        {"quarter": quarter_label(q), "opened": opened.get(q, 0), "resolved": resolved.get(q, 0)}
        for q in quarters(first, today)
    ]


def median_days(survival):
    """A Kaplan–Meier median and its 95% interval as table columns (None: not reached)."""
    return {
        "median_days": survival.median,
        "median_low": survival.low,
        "median_high": survival.high,
    }


def by_median(row):
    """Quickest first; medians not reached last."""
    return (row["median_days"] is None, row["median_days"] or 0)


@cached
def days_to_resolve(closed, still_open, *, today=None):
    """Days from identified to resolved, per category, as Kaplan–Meier estimates them (two
    queries): from `closed` (rows of `tallies.RESOLVE_DAYS`) and `still_open` (rows of
    `tallies.OPEN_SINCE`).

    A resolved barrier took the days from identified to resolved. One still open is counted
    as lasting at least as long as it has been open so far (censored at today − identified),
    and one accepted (closed without being resolved) as never resolved: it stays among those
    not resolved throughout.
    Each row has the median with its 95% interval (None where fewer than half have resolved:
    "not reached"), and how many were resolved, are still open and were accepted. Quickest
    first, the medians not reached last."""
    today = today or timezone.localdate()
    times = defaultdict(TimesToResolve)
    # Many rows: read by category id, named afterwards.
    for category, days, n, accepted in closed.sum(
        ["category_id", "days"], ["barriers", "accepted"]
    ):
        times[category].add_closed(days, n, accepted)
    for category, identified, n in still_open.sum(["category_id", "identified_on"], ["barriers"]):
        times[category].add_open_since(identified, today, n)
    names = category_names()
    times = {names[category]: counted for category, counted in times.items()}
    rows = []
    for category, counted in times.items():
        survival = counted.survival
        rows.append(
            {
                "category": category,
                **median_days(survival),
                "resolved": survival.resolved,
                "open": survival.still_open,
                "accepted": counted.accepted,
            }
        )
    return sorted(rows, key=lambda row: (*by_median(row), row["category"]))


# --- savings elsewhere -------------------------------------------------------------------


@cached
def savings_pairs(barriers):
    """Barriers whose savings land elsewhere, counted per pair of organisations (who bears the
    cost, where the savings land): [(organisation id, savings organisation id, barriers, open,
    cost, savings)], in one query answered from the savings index alone. Both savings figures
    are added up from these."""
    return list(
        barriers.filter(savings_organisation__isnull=False)
        .values("organisation_id", "savings_organisation_id")
        .annotate(
            barriers=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            cost=Sum("cost_borne_gbp"),
            savings=Sum("savings_elsewhere_gbp"),
        )
        .order_by()
        .values_list(
            "organisation_id", "savings_organisation_id", "barriers", "open", "cost", "savings"
        )
    )


def _most_savings_first(savings):
    return (savings is None, -(savings or 0))


def _added(total, value):
    return value if total is None else total if value is None else total + value


@cached
def savings_by_type(barriers):
    """Who bears the cost and where the savings land, by pair of organisation types."""
    types = dict(OrganisationType.choices)
    type_of = dict(Organisation.objects.values_list("pk", "org_type"))
    by_type = {}
    for organisation, elsewhere, n, _, cost, savings in savings_pairs(barriers):
        key = (type_of[organisation], type_of[elsewhere])
        row = by_type.setdefault(key, {"barriers": 0, "cost": None, "savings": None})
        row["barriers"] += n
        row["cost"] = _added(row["cost"], cost)
        row["savings"] = _added(row["savings"], savings)
    return [
        {"org_type": types.get(bearer), "savings_org_type": types.get(elsewhere), **row}
        for (bearer, elsewhere), row in sorted(
            by_type.items(), key=lambda item: (*_most_savings_first(item[1]["savings"]), item[0])
        )
    ]


@cached
def savings_top_pairs(barriers, *, limit=20):
    """The organisation pairs with the most savings landing elsewhere: candidates for pooled
    budgets and risk-sharing. Counted by organisation id, then the top pairs are named."""
    rows = sorted(
        savings_pairs(barriers),
        key=lambda row: (*_most_savings_first(row[5]), row[0], row[1]),
    )[:limit]
    ids = {row[0] for row in rows} | {row[1] for row in rows}
    names = {
        pk: (code, name)
        for pk, code, name in Organisation.objects.filter(pk__in=ids).values_list(
            "pk", "ods_code", "name"
        )
    }
    return [
        {
            "organisation": names[organisation][1],
            "organisation_code": names[organisation][0],
            "savings_organisation": names[elsewhere][1],
            "savings_organisation_code": names[elsewhere][0],
            "barriers": n,
            "open": still_open,
            "cost": cost,
            "savings": savings,
        }
        for organisation, elsewhere, n, still_open, cost, savings in rows
    ]


# --- what worked -------------------------------------------------------------------------


@dataclass
class Outcomes:
    """What came of some enabler actions: how many finished, and of those how many resolved
    their barrier and after how many days from its being identified; how many are under way."""

    finished: int = 0
    resolved_after: Counter = field(default_factory=Counter)  # days -> actions
    under_way: int = 0

    def add(self, outcome, n):
        """Count `n` actions with this outcome (the days of those resolving their barrier are
        counted into `resolved_after`)."""
        if outcome == ActionOutcome.IN_PROGRESS:
            self.under_way += n
        else:
            self.finished += n

    def merge(self, other):
        self.finished += other.finished
        self.resolved_after.update(other.resolved_after)
        self.under_way += other.under_way

    def columns(self):
        rate = wilson_interval(sum(self.resolved_after.values()), self.finished)
        return {
            "actions": self.finished,
            "resolved": rate.part,
            "rate": rate.value,
            "rate_low": rate.low,
            "rate_high": rate.high,
            "under_way": self.under_way,
            # A finished action that did not resolve its barrier never will.
            **median_days(kaplan_meier(self.resolved_after, {}, never=self.finished - rate.part)),
        }


def by_rate(row):
    """Surest resolution rate first: by the lower end of its 95% interval, then the rate, then
    the most actions; rows with no finished action last."""
    return (row["rate_low"] is None, -(row["rate_low"] or 0), -(row["rate"] or 0), -row["actions"])


@cached
def enablers(actions):
    """What worked, from `actions` (rows of `tallies.ACTIONS`) in four queries: (per enabler type
    across all categories, per enabler type × barrier category), ranked by `by_rate`.

    Each row has the finished actions, how many resolved their barrier, the resolution rate with
    its 95% (Wilson) interval, the actions still under way, and the median days from the
    barrier being identified to the action resolving it as Kaplan–Meier estimates it from the
    finished actions: one that finished without resolving its barrier never will, so it stays
    among those not resolved throughout. Actions under way are left out
    of the median, as the tally does not keep the day each barrier was identified, only that
    they are under way (keeping it would take a row per action at national scale); the column
    of actions under way says how many that leaves out."""
    by_pair = defaultdict(Outcomes)
    for enabler, category, outcome, n in actions.sum(
        ["enabler_type_id", "category_id", "outcome"], ["actions"]
    ):
        by_pair[(enabler, category)].add(outcome, n)
    # The days only of those that resolved their barrier (the others keep none): many rows,
    # so read by ids and named per pair afterwards.
    for enabler, category, days, n in actions.sum(
        ["enabler_type_id", "category_id", "days"], ["actions"], outcome=[ActionOutcome.RESOLVED]
    ):
        by_pair[(enabler, category)].resolved_after[days] = n
    enablers_named = dict(EnablerType.objects.values_list("pk", "name"))
    categories_named = category_names()
    by_pair = {
        (enablers_named[enabler], categories_named[category]): counted
        for (enabler, category), counted in by_pair.items()
    }
    by_enabler = defaultdict(Outcomes)
    for (enabler, _), counted in by_pair.items():
        by_enabler[enabler].merge(counted)
    summary = [{"enabler": e} | counted.columns() for e, counted in by_enabler.items()]
    effect = [
        {"enabler": e, "category": c} | counted.columns() for (e, c), counted in by_pair.items()
    ]
    summary.sort(key=lambda row: (*by_rate(row), row["enabler"]))
    effect.sort(key=lambda row: (*by_rate(row), row["enabler"], row["category"]))
    return summary, effect


@cached
def progress_by_route(adoptions, *, today=None):
    """Mandated, co-developed and local adoptions compared: how many reached adoption, how
    many stalled, how many declined or abandoned."""
    names = dict(Route.choices)
    rows = adoptions.values("route").annotate(**_adoption_counts(today=today)).order_by("route")
    return [
        {
            "route": names.get(row["route"], row["route"]),
            "adoptions": row["organisations"],
            "adopters": row["adopters"],
            "adopter_share": share(row["adopters"], row["organisations"]),
            "stalled": row["stalled"],
            "stalled_share": share(row["stalled"], row["organisations"]),
            "dropped": row[f"stage_{Stage.DECLINED}"] + row[f"stage_{Stage.ABANDONED}"],
        }
        for row in rows
    ]


# --- one innovation ----------------------------------------------------------------------


@cached
def adopters_over_time(adoptions, *, grouping="region", today=None):
    """The S-curve: cumulative organisations reaching 'implementing' (or straight to
    'embedded'), per quarter and group. Returns (quarter labels, [(group column key, group
    name, [counts])])."""
    today = today or timezone.localdate()
    group_field = f"adoption__{GROUPINGS[grouping]}"
    rows = (
        StageChange.objects.filter(adoption__in=adoptions.values("id"))
        .filter(
            Q(to_stage=Stage.IMPLEMENTING)
            | (Q(to_stage=Stage.EMBEDDED) & ~Q(from_stage=Stage.IMPLEMENTING))
        )
        .annotate(quarter=TruncQuarter("changed_on"))
        .values(group_field, "quarter")
        .annotate(n=Count("adoption", distinct=True))
    )
    per_group = defaultdict(dict)
    for row in rows:
        per_group[row[group_field]][as_date(row["quarter"])] = row["n"]
    if not per_group:
        return [], []
    axis = quarters(min(q for g in per_group.values() for q in g), today)
    columns = group_columns(grouping, set(per_group))
    lines = []
    for group, counts in sorted(per_group.items(), key=lambda item: str(columns[item[0]][1])):
        running, line = 0, []
        for q in axis:
            running += counts.get(q, 0)
            line.append(running)
        lines.append((*columns[group], line))
    return [quarter_label(q) for q in axis], lines


@cached
def stage_by_group(adoptions, *, grouping="region", today=None):
    group_field = GROUPINGS[grouping]
    rows = list(
        adoptions.values(group_field)
        .annotate(**_adoption_counts(today=today))
        .order_by(group_field)
    )
    labels = group_labels(grouping, {row[group_field] for row in rows})
    return sorted(
        (
            {
                "group": labels[row[group_field]],
                "total": row["organisations"],
                "stalled": row["stalled"],
                "stages": [row[f"stage_{stage}"] for stage in STAGES],
            }
            for row in rows
        ),
        key=lambda row: str(row["group"]),
    )


def stalled_organisations(adoptions, barriers, *, limit=100, today=None):
    """Stalled adoptions, longest-stalled first, each with its open barriers (two queries)."""
    stalled = list(
        adoptions.stalled(today=today)
        .select_related("organisation", "organisation__region", "innovation")
        .order_by("stage_changed_on", "organisation__name")[:limit]
    )
    by_pair = defaultdict(list)
    for barrier in (
        barriers.open()
        .filter(
            organisation_id__in=[a.organisation_id for a in stalled],
            innovation_id__in={a.innovation_id for a in stalled},
        )
        .select_related("category")
        .order_by("-severity", "id")
    ):
        by_pair[(barrier.innovation_id, barrier.organisation_id)].append(barrier)
    for adoption in stalled:
        adoption.open_barriers = by_pair[(adoption.innovation_id, adoption.organisation_id)]
    return stalled


# --- one organisation among its peers ----------------------------------------------------


def peer_comparison(organisation, adoptions, *, today=None):
    """For each innovation the organisation has recorded: its stage, and the adopter share
    among its peers (same type) in its ICB and in its region."""
    own = list(
        adoptions.filter(organisation=organisation)
        .select_related("innovation")
        .order_by("innovation__name")
    )
    innovation_ids = [a.innovation_id for a in own]
    peers = adoptions.filter(
        innovation_id__in=innovation_ids, organisation__org_type=organisation.org_type
    ).exclude(organisation=organisation)

    def shares(scope):
        return {
            row["innovation_id"]: row
            for row in scope.values("innovation_id").annotate(**_adoption_counts(today=today))
        }

    in_icb = (
        shares(peers.filter(organisation__icb=organisation.icb_id)) if organisation.icb_id else {}
    )
    in_region = (
        shares(peers.filter(organisation__region=organisation.region_id))
        if organisation.region_id
        else {}
    )
    result = []
    for adoption in own:
        icb, region = in_icb.get(adoption.innovation_id), in_region.get(adoption.innovation_id)
        result.append(
            {
                "adoption": adoption,
                "stalled": adoption.is_stalled(today=today),
                "icb_peers": icb["organisations"] if icb else 0,
                "icb_share": share(icb["adopters"], icb["organisations"]) if icb else None,
                "region_peers": region["organisations"] if region else 0,
                "region_share": share(region["adopters"], region["organisations"])
                if region
                else None,
            }
        )
    return result
