"""Every figure on the dashboards, counted in the database.

Each function takes querysets already narrowed by the filter sets and the access policy, and
answers in a fixed number of queries whatever the size of the data. Python only reshapes the
counted rows (pivoting, zero-filling quarters, ratios) and applies the stall rule to them.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils import timezone

from adoption.barriers.models import (
    ADOPTER_STAGES,
    OPEN_STATUSES,
    ActionOutcome,
    BarrierCategory,
    BarrierStatus,
    EnablerAction,
    EnablerType,
    Route,
    Stage,
    StageChange,
    stalled_q,
)
from adoption.dashboards import stall_rule
from adoption.dashboards.cache import cached
from adoption.dashboards.models import PLACE_COLUMNS, place_key
from adoption.dashboards.quarters import (
    last_complete_quarter,
    quarter_label,
    quarter_start,
    quarters,
)
from adoption.dashboards.rollups import ADVANCE
from adoption.dashboards.sql import DaysBetween, Median
from adoption.registry.models import Innovation, Organisation, OrganisationType

# How a group is named in queries: the field on Adoption/Barrier, and how to label it.
GROUPINGS = {
    "region": "organisation__region",
    "icb": "organisation__icb",
    "org_type": "organisation__org_type",
}
GROUPING_LABELS = {"region": "Region", "icb": "ICB", "org_type": "Organisation type"}


def as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def share(part, whole):
    return part / whole if whole else None


def weighted_median(counts):
    """The median of values given as {value: how many times}: the mean of the two middle
    values for an even total, as percentile_cont(0.5) has it."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = sorted({(total - 1) // 2, total // 2})
    found, seen = [], 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return sum(found) / len(found)


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


# --- adoption and spread -----------------------------------------------------------------


def _adoption_counts(**extra):
    today = extra.pop("today", None)
    return {
        "organisations": Count("id"),
        "adopters": Count("id", filter=Q(stage__in=ADOPTER_STAGES)),
        "stalled": Count("id", filter=stalled_q(today=today)),
        **{f"stage_{stage}": Count("id", filter=Q(stage=stage)) for stage in Stage.values},
    }


def headline(adoptions, barriers, *, today=None, tally=None):
    """Headline counts. With `tally` (BarrierTally rows narrowed by the same filters) the
    barriers are counted from it."""
    counts = adoptions.aggregate(
        **_adoption_counts(today=today),
        organisations_in_scope=Count("organisation", distinct=True),
    )
    due = Q(status__in=OPEN_STATUSES, next_review_on__lte=today or timezone.localdate())
    if tally is not None:
        barrier_counts = tally.aggregate(
            total=Coalesce(Sum("barriers"), 0),
            open=Coalesce(Sum("barriers", filter=Q(status__in=OPEN_STATUSES)), 0),
        )
        barrier_counts["due"] = barriers.filter(due).count()
    else:
        barrier_counts = barriers.aggregate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            due=Count("id", filter=due),
        )
    return {
        "organisations": counts["organisations_in_scope"],
        "adoptions": counts["organisations"],
        "adopters": counts["adopters"],
        "adopter_share": share(counts["adopters"], counts["organisations"]),
        "stalled": counts["stalled"],
        "stalled_share": share(counts["stalled"], counts["organisations"]),
        "barriers": barrier_counts["total"],
        "open_barriers": barrier_counts["open"],
        "due_barriers": barrier_counts["due"],
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
                stages=dict.fromkeys(Stage.values, 0),
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
    why: list = field(default_factory=list)  # over-represented barrier categories
    stages: dict = field(default_factory=dict)  # stage -> adoptions at it

    @property
    def adopter_share(self):
        return self.verdict.adopter_share

    @property
    def stalled_share(self):
        return self.verdict.stalled_share


def advances_by_quarter(adoptions, *, group_field, today=None):
    """{(innovation, group): {quarter: advances}} and the first quarter of each group.

    Both queries start from the filtered adoptions and join their stage changes once."""
    today = today or timezone.localdate()
    firsts = {
        (row["innovation"], row[group_field]): as_date(row["first"])
        for row in adoptions.values("innovation", group_field).annotate(
            first=Min("stage_changes__changed_on")
        )
    }
    advance = Q(stage_changes__changed_on__lt=quarter_start(today)) & _prefixed(
        ADVANCE, "stage_changes__"
    )
    series = defaultdict(dict)
    rows = (
        adoptions.filter(advance)
        .annotate(quarter=TruncQuarter("stage_changes__changed_on"))
        .values("innovation", group_field, "quarter")
        .annotate(n=Count("stage_changes"))
    )
    for row in rows:
        series[(row["innovation"], row[group_field])][as_date(row["quarter"])] = row["n"]
    return series, firsts


def _prefixed(q, prefix):
    """The same condition, reached through a relation."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(_prefixed(child, prefix))
        else:
            clone.children.append((prefix + child[0], child[1]))
    return clone


def advances_from_rollup(rollup, *, grouping, today=None):
    """The same answer as `advances_by_quarter`, read from the roll-up in two queries that
    return only the quarters with advances and each group's first quarter."""
    today = today or timezone.localdate()
    field_name = PLACE_COLUMNS[grouping]
    series = defaultdict(dict)
    rows = (
        rollup.filter(quarter__lt=quarter_start(today))
        .values_list("innovation_id", field_name, "quarter")
        .annotate(advances=Sum("advances"))
        .filter(advances__gt=0)
        .order_by()
    )
    for innovation, place, quarter, advances in rows:
        series[(innovation, place_key(place))][as_date(quarter)] = advances
    firsts = {
        (innovation, place_key(place)): as_date(first)
        for innovation, place, first in rollup.filter(changes__gt=0)
        .values_list("innovation_id", field_name)
        .annotate(first=Min("quarter"))
        .order_by()
    }
    return series, firsts


def spread_matrix(adoptions, barriers, *, grouping="region", today=None, rollup=None, tally=None):
    """The innovation × group matrix: adoption share, stalled share and the stall flag, with
    the over-represented barrier categories of each stalling group. With `rollup` (the
    roll-up rows narrowed by the same filters) the advances are read from it; they are read
    only for groups that may stall (`stall_rule.may_stall`)."""
    today = today or timezone.localdate()
    group_field = GROUPINGS[grouping]
    # Grouped by ids alone (a hash aggregate, no sort of every adoption), then named.
    rows = list(
        adoptions.values("innovation_id", group_field)
        .annotate(**_adoption_counts(today=today))
        .order_by()
    )
    innovation_names = dict(
        Innovation.objects.filter(pk__in={row["innovation_id"] for row in rows}).values_list(
            "pk", "name"
        )
    )
    for row in rows:
        row["innovation__name"] = innovation_names[row["innovation_id"]]
    rows.sort(key=lambda row: row["innovation__name"])
    # Advances per quarter matter only where the group may stall at all.
    candidates = {
        (row["innovation_id"], row[group_field])
        for row in rows
        if stall_rule.may_stall(organisations=row["organisations"], stalled=row["stalled"])
    }
    innovations = {innovation for innovation, _ in candidates}
    if rollup is not None:
        series, firsts = advances_from_rollup(
            rollup.filter(innovation_id__in=innovations), grouping=grouping, today=today
        )
    else:
        series, firsts = advances_by_quarter(
            adoptions.filter(innovation_id__in=innovations),
            group_field=group_field,
            today=today,
        )
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
                innovation=row["innovation__name"],
                group=row[group_field],
                group_label=names[row[group_field]][0],
                group_code=names[row[group_field]][1],
                verdict=verdict,
                stages={stage: row[f"stage_{stage}"] for stage in Stage.values},
            )
        )
    if any(cell.verdict.stalling for cell in cells):
        stall_rule.explain_stalls(
            cells,
            _barriers_where_stalling(cells, barriers, grouping=grouping, tally=tally),
            category_names(),
        )
    return cells


# --- why: the barriers counted where spread stalls -----------------------------------------


def _barriers_where_stalling(cells, barriers, *, grouping, tally=None):
    """{(innovation, group): {category: barriers}} for the innovations stalling somewhere, in
    one query (from `tally`, BarrierInnovationTally rows narrowed by the same filters, when
    given)."""
    innovations = {cell.innovation_id for cell in cells if cell.verdict.stalling}
    if tally is not None:
        rows = [
            (innovation, category, place_key(group), n)
            for innovation, category, group, n in tally.filter(innovation_id__in=innovations)
            .values_list("innovation_id", "category_id", PLACE_COLUMNS[grouping])
            .annotate(n=Sum("barriers"))
            .order_by()
        ]
    else:
        rows = counts_by_place(
            barriers.filter(innovation_id__in=innovations),
            keys=["innovation_id", "category_id"],
            grouping=grouping,
        )
    counts = defaultdict(dict)
    for innovation, category, group, n in rows:
        counts[(innovation, group)][category] = n
    return counts


# --- barriers ----------------------------------------------------------------------------


def counts_by_place(barriers, *, keys, grouping):
    """Rows of (*keys, place, count) for these barriers. Counted per organisation first, so
    the database reads a narrow index and joins organisations to thousands of grouped rows
    rather than to a million barriers (four times faster at the stress scale)."""
    inner = barriers.order_by().values("organisation_id", *keys).annotate(n=Count("*"))
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:
        return []
    columns = ", ".join(f"x.{key}" for key in keys)
    place = f"o.{PLACE_COLUMNS[grouping]}"
    query = (
        f"SELECT {columns}, {place}, SUM(x.n) FROM ({sql}) x "
        f"JOIN {Organisation._meta.db_table} o ON o.id = x.organisation_id "
        f"GROUP BY {columns}, {place}"
    )
    with connections[barriers.db].cursor() as cursor:
        cursor.execute(query, params)
        return [(*row[:-1], int(row[-1])) for row in cursor.fetchall()]


@cached
def barrier_heatmap(barriers, *, grouping="region", tally=None):
    """Barrier counts by category × group: (categories, groups, {(category, group): n})."""
    if tally is not None:
        rows = [
            (category, place_key(group), n)
            for category, group, n in tally.values_list("category_id", PLACE_COLUMNS[grouping])
            .annotate(n=Sum("barriers"))
            .order_by()
        ]
    else:
        rows = counts_by_place(barriers, keys=["category_id"], grouping=grouping)
    names = category_names()
    categories = list(names.values())
    labels = group_labels(grouping, {group for _, group, _ in rows})
    groups = sorted(labels.items(), key=lambda item: str(item[1]))
    cells = {(names[category], group): n for category, group, n in rows}
    return categories, groups, cells


@cached
def severity_ranking(barriers, *, tally=None):
    """Open barriers by category, ranked by the sum of their severities (1 low … 4 critical)."""
    if tally is not None:
        names = category_names()
        rows = [
            {"category__name": names[row.pop("category_id")], **row}
            for row in tally.filter(status__in=OPEN_STATUSES)
            .values("category_id")
            .annotate(
                open=Sum("barriers"), critical=Sum("critical"), weighted=Sum("severity_total")
            )
            .order_by()
        ]
        return sorted(rows, key=lambda row: (-row["weighted"], row["category__name"]))
    return list(
        barriers.filter(status__in=OPEN_STATUSES)
        .values("category__name")
        .annotate(
            open=Count("id"),
            critical=Count("id", filter=Q(severity=4)),
            weighted=Sum("severity"),
        )
        .order_by("-weighted", "category__name")
    )


@cached
def opened_and_resolved_by_quarter(barriers, *, today=None, tally=None):
    today = today or timezone.localdate()
    if tally is not None:
        counted = defaultdict(dict)
        for event, quarter, n in (
            tally.values_list("event", "quarter").annotate(n=Sum("barriers")).order_by()
        ):
            counted[event][as_date(quarter)] = n
        return _quarter_rows(counted["opened"], counted["resolved"], today)
    opened = dict(
        barriers.annotate(quarter=TruncQuarter("identified_on"))
        .values("quarter")
        .annotate(n=Count("id"))
        .values_list("quarter", "n")
    )
    resolved = dict(
        barriers.filter(resolved_on__isnull=False)
        .annotate(quarter=TruncQuarter("resolved_on"))
        .values("quarter")
        .annotate(n=Count("id"))
        .values_list("quarter", "n")
    )
    opened = {as_date(k): v for k, v in opened.items()}
    resolved = {as_date(k): v for k, v in resolved.items()}
    return _quarter_rows(opened, resolved, today)


def _quarter_rows(opened, resolved, today):
    if not opened and not resolved:
        return []
    first = min([*opened, *resolved])
    return [
        {"quarter": quarter_label(q), "opened": opened.get(q, 0), "resolved": resolved.get(q, 0)}
        for q in quarters(first, today)
    ]


@cached
def days_to_resolve(barriers, *, tally=None):
    """Median days from identified to resolved, per category, over resolved barriers."""
    if tally is not None:
        days = defaultdict(dict)  # category -> days taken -> barriers
        for category, n_days, n in (
            tally.values_list("category_id", "days").annotate(n=Sum("barriers")).order_by()
        ):
            days[category][n_days] = n
        names = category_names()
        rows = [
            {
                "category__name": names[category],
                "resolved": sum(counts.values()),
                "median_days": weighted_median(counts),
            }
            for category, counts in days.items()
        ]
        return sorted(rows, key=lambda row: (row["median_days"], row["category__name"]))
    return list(
        barriers.filter(status=BarrierStatus.RESOLVED)
        .values("category__name")
        .annotate(
            resolved=Count("id"), median_days=Median(DaysBetween("resolved_on", "identified_on"))
        )
        .order_by("median_days", "category__name")
    )


# --- savings elsewhere -------------------------------------------------------------------


@cached
def savings_by_type(barriers):
    """Who bears the cost and where the savings land, by pair of organisation types."""
    types = dict(OrganisationType.choices)
    rows = (
        barriers.filter(savings_organisation__isnull=False)
        .values("organisation__org_type", "savings_organisation__org_type")
        .annotate(
            barriers=Count("id"),
            cost=Sum("cost_borne_gbp"),
            savings=Sum("savings_elsewhere_gbp"),
        )
        .order_by(F("savings").desc(nulls_last=True))
    )
    return [
        row
        | {
            "bearer": types.get(row["organisation__org_type"]),
            "saver": types.get(row["savings_organisation__org_type"]),
        }
        for row in rows
    ]


@cached
def savings_top_pairs(barriers, *, limit=20):
    """The organisation pairs with the most savings landing elsewhere: candidates for pooled
    budgets and risk-sharing. Counted by organisation id (from the savings index alone), then
    the top pairs are named."""
    rows = list(
        barriers.filter(savings_organisation__isnull=False)
        .values("organisation_id", "savings_organisation_id")
        .annotate(
            barriers=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            cost=Sum("cost_borne_gbp"),
            savings=Sum("savings_elsewhere_gbp"),
        )
        .order_by(
            F("savings").desc(nulls_last=True), "organisation_id", "savings_organisation_id"
        )[:limit]
    )
    ids = {row["organisation_id"] for row in rows} | {
        row["savings_organisation_id"] for row in rows
    }
    names = {
        pk: (code, name)
        for pk, code, name in Organisation.objects.filter(pk__in=ids).values_list(
            "pk", "ods_code", "name"
        )
    }
    return [
        {
            "organisation__ods_code": names[row["organisation_id"]][0],
            "organisation__name": names[row["organisation_id"]][1],
            "savings_organisation__ods_code": names[row["savings_organisation_id"]][0],
            "savings_organisation__name": names[row["savings_organisation_id"]][1],
            **{key: row[key] for key in ("barriers", "open", "cost", "savings")},
        }
        for row in rows
    ]


# --- what worked -------------------------------------------------------------------------


def actions_on(barriers):
    """The enabler actions on these barriers; every action when no filter narrows them."""
    if not barriers.query.where:
        return EnablerAction.objects.all()
    return EnablerAction.objects.filter(barrier__in=barriers.values("id"))


def _action_outcomes():
    """Finished actions, how many resolved their barrier, and the median days from the barrier
    being identified to the action that resolved it."""
    return {
        "actions": Count("id"),
        "resolved": Count("id", filter=Q(outcome=ActionOutcome.RESOLVED)),
        "median_days": Median(
            DaysBetween("completed_on", "barrier__identified_on"),
            filter=Q(outcome=ActionOutcome.RESOLVED),
        ),
    }


def _enablers_from_tally(tally):
    """(per enabler, per enabler and category) from ActionTally rows, read in one query whose
    rows are tuples straight from the database cursor (there are tens of thousands)."""
    grouped = (
        tally.exclude(outcome=ActionOutcome.IN_PROGRESS)
        .values_list("enabler_type_id", "category_id", "outcome", "days")
        .annotate(n=Sum("actions"))
        .order_by()
    )
    try:
        sql, params = grouped.query.sql_with_params()
    except EmptyResultSet:
        return [], []
    finished, resolving = defaultdict(int), defaultdict(int)
    days = defaultdict(lambda: defaultdict(int))
    with connections[tally.db].cursor() as cursor:
        cursor.execute(sql, params)
        for enabler, category, outcome, n_days, n in cursor.fetchall():
            both = (enabler,), (enabler, category)
            for key in both:
                finished[key] += n
            if outcome == ActionOutcome.RESOLVED:
                for key in both:
                    resolving[key] += n
                    days[key][n_days] += n
    enablers = dict(EnablerType.objects.values_list("id", "name"))
    categories = category_names()
    summary, effect = [], []
    for key, actions in finished.items():
        row = {"enabler_type__name": enablers[key[0]]}
        if len(key) == 2:
            row["barrier__category__name"] = categories[key[1]]
        row |= {
            "actions": int(actions),
            "resolved": int(resolving[key]),
            "median_days": weighted_median(days[key]),
            "rate": share(resolving[key], actions),
        }
        (effect if len(key) == 2 else summary).append(row)
    summary.sort(key=lambda r: r["enabler_type__name"])
    effect.sort(key=lambda r: (r["enabler_type__name"], r["barrier__category__name"]))
    return summary, effect


def _enabler_rows(barriers, *keys):
    rows = (
        actions_on(barriers)
        .exclude(outcome=ActionOutcome.IN_PROGRESS)
        .values("enabler_type__name", *keys)
        .annotate(**_action_outcomes())
        .order_by("enabler_type__name", *keys)
    )
    return [row | {"rate": share(row["resolved"], row["actions"])} for row in rows]


@cached
def enablers(barriers, *, tally=None):
    """What worked: (per enabler type across all categories, per enabler type × barrier
    category), each with actions finished, how many resolved their barrier, the resolution
    rate and the median days from the barrier being identified to the resolving action.
    With `tally` (ActionTally rows narrowed by the same filters) both come from one query."""
    if tally is not None:
        return _enablers_from_tally(tally)
    return _enabler_rows(barriers), _enabler_rows(barriers, "barrier__category__name")


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
    'embedded'), per quarter and group. Returns (quarter labels, [(group label, [counts])])."""
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
    labels = group_labels(grouping, set(per_group))
    lines = []
    for group, counts in sorted(per_group.items(), key=lambda item: str(labels[item[0]])):
        running, line = 0, []
        for q in axis:
            running += counts.get(q, 0)
            line.append(running)
        lines.append((labels[group], line))
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
                "stages": [row[f"stage_{stage}"] for stage in Stage.values],
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
        barriers.filter(
            status__in=OPEN_STATUSES,
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
