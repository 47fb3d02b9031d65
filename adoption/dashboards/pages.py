"""What each national dashboard shows: its figures from the aggregates module, arranged as
tables (shown, charted, downloadable as CSV and served by the API) plus what its template
draws. The pages and the API both build dashboards here, so they always agree.

Every table is declared once, below, as a `Layout`: `LAYOUTS` lists each page's tables, and the
API schema describes them from there. Where a figure is tallied, the filters say where its rows
come from (`DashboardFilters.rows`); the figure is computed the same way either way."""

import functools

from django.utils import timezone

from adoption.barriers.models import STAGE_ORDER, Stage
from adoption.dashboards import aggregates, presenters, stall_rule, tallies
from adoption.dashboards.cache import cached, figure_scope
from adoption.dashboards.quarters import last_complete_quarter, quarter_label, quarters
from adoption.dashboards.tables import Column, Compared, EachGroup, Layout, chart
from adoption.registry.models import Innovation, Organisation, OrganisationType

# How many peers and open barriers the organisation page names.
LISTED = 50

# Columns that mean the same thing wherever they appear.
INNOVATION = Column("innovation", "Innovation")
CATEGORY = Column("category", "Barrier category")
ENABLER = Column("enabler", "Enabler")
QUARTER = Column("quarter", "Quarter")
ORGANISATIONS = Column("organisations", "Organisations", "int")
ADOPTERS = Column("adopters", "Adopters", "int")
ADOPTER_SHARE = Column("adopter_share", "Adopter share", "pct")
STALLED = Column("stalled", "Stalled", "int")
STALLED_SHARE = Column("stalled_share", "Stalled share", "pct")
BARRIERS = Column("barriers", "Barriers", "int")
COST = Column("cost", "Annual cost borne", "gbp")
SAVINGS = Column("savings", "Annual savings elsewhere", "gbp")
STAGE_COLUMNS = (*(Column(f"stage_{s}", label, "int") for s, label in Stage.choices),)
# A Kaplan–Meier median of days and its 95% interval; empty where fewer than half resolved.
NOT_REACHED = "Not reached"
MEDIAN_INTERVAL = (
    Column("median_low", "Median: 95% interval from", "days", missing=NOT_REACHED),
    Column("median_high", "Median: 95% interval to", "days", missing=NOT_REACHED),
)
# What came of the enabler actions in a row of What worked.
OUTCOME_COLUMNS = (
    Column("actions", "Completed actions", "int"),
    Column("resolved", "Resolved the barrier", "int"),
    Column("rate", "Resolution rate", "pct"),
    Column("rate_low", "Rate: 95% interval from", "pct"),
    Column("rate_high", "Rate: 95% interval to", "pct"),
    Column("under_way", "Actions under way", "int"),
    Column("median_days", "Median days to resolution", "days", missing=NOT_REACHED),
    *MEDIAN_INTERVAL,
)

FUNNELS = Layout(
    "funnels",
    "Organisations at each stage, per innovation",
    (INNOVATION, ORGANISATIONS, *STAGE_COLUMNS),
)
MATRIX = Layout(
    "matrix",
    "Adoption and stalls by innovation and {compared}",
    (
        INNOVATION,
        Compared(),
        ORGANISATIONS,
        ADOPTERS,
        ADOPTER_SHARE,
        STALLED,
        STALLED_SHARE,
        Column("stalling", "Stall verdict"),
        Column("over_represented", "Over-represented barriers"),
    ),
)
STALLING = Layout(
    "stalling",
    "Groups flagged as stalling, most organisations stalled first",
    (
        Column("rank", "Rank", "int"),
        INNOVATION,
        Compared(),
        ORGANISATIONS,
        STALLED,
        STALLED_SHARE,
        ADOPTERS,
        ADOPTER_SHARE,
        Column("quarters_stopped", "Quarters since advances stopped", "int"),
        Column("advances_since", "Advances since", "int"),
        Column("expected_since", "Expected at the baseline rate", "int"),
        BARRIERS,
        Column("why", "Stalling because"),
        Column("reasons", "Why it is flagged"),
    ),
)
HEATMAP = Layout("heatmap", "Barriers by category and {compared}", (CATEGORY, EachGroup()))
RANKING = Layout(
    "ranking",
    "Open barriers by category, ranked by total severity",
    (
        CATEGORY,
        Column("open", "Open barriers", "int"),
        Column("critical", "Critical", "int"),
        Column("weighted", "Severity-weighted total", "int"),
    ),
)
TREND = Layout(
    "trend",
    "Barriers opened and resolved per quarter",
    (QUARTER, Column("opened", "Opened", "int"), Column("resolved", "Resolved", "int")),
)
RESOLVE = Layout(
    "resolve",
    "Median days to resolve, by category, counting barriers not yet resolved (Kaplan–Meier), "
    "quickest first",
    (
        CATEGORY,
        Column("median_days", "Median days to resolve", "days", missing=NOT_REACHED),
        *MEDIAN_INTERVAL,
        Column("resolved", "Resolved barriers", "int"),
        Column("open", "Still open", "int"),
        Column("accepted", "Accepted unresolved", "int"),
    ),
)
BY_TYPE = Layout(
    "by_type",
    "Cost borne and savings landing elsewhere, by type of organisation",
    (
        Column("org_type", "Who bears the cost"),
        Column("savings_org_type", "Where savings land"),
        BARRIERS,
        COST,
        SAVINGS,
    ),
)
PAIRS = Layout(
    "pairs",
    "Organisation pairs with the most savings landing elsewhere",
    (
        Column("organisation", "Bears the cost"),
        Column("savings_organisation", "Savings land at"),
        BARRIERS,
        Column("open", "Still open", "int"),
        COST,
        SAVINGS,
    ),
)
RANKED_BY_RATE = "ranked by the lower end of the resolution rate's 95% interval"
ENABLERS = Layout(
    "enablers",
    f"Resolution rate and median days to resolution, by enabler, {RANKED_BY_RATE}",
    (ENABLER, *OUTCOME_COLUMNS),
)
ENABLER_BY_CATEGORY = Layout(
    "enabler_by_category",
    f"Enabler type × barrier category, {RANKED_BY_RATE}",
    (ENABLER, CATEGORY, *OUTCOME_COLUMNS),
)
ROUTES = Layout(
    "routes",
    "Progress by route of arrival",
    (
        Column("route", "Route"),
        Column("adoptions", "Adoptions", "int"),
        Column("adopters", "Implementing or embedded", "int"),
        ADOPTER_SHARE,
        STALLED,
        STALLED_SHARE,
        Column("dropped", "Declined or abandoned", "int"),
    ),
)
S_CURVE = Layout(
    "s_curve", "Cumulative adopters by quarter and {compared}", (QUARTER, EachGroup())
)
STAGES = Layout(
    "stages", "Stage by {compared}", (Compared(), ORGANISATIONS, STALLED, *STAGE_COLUMNS)
)
PEERS = Layout(
    "peers",
    "{organisation} among its peers",
    (
        INNOVATION,
        Column("stage", "Stage here"),
        Column("stalled", "Stalled here"),
        Column("icb_share", "Adopter share in ICB", "pct"),
        Column("icb_peers", "Peers in ICB", "int"),
        Column("region_share", "Adopter share in region", "pct"),
        Column("region_peers", "Peers in region", "int"),
    ),
)
# Each page's tables, in the order it shows them.
LAYOUTS = {
    "spread": (FUNNELS, MATRIX, STALLING),
    "barriers": (HEATMAP, RANKING, TREND, RESOLVE),
    "savings": (BY_TYPE, PAIRS),
    "what_worked": (ENABLERS, ENABLER_BY_CATEGORY, ROUTES),
    "innovation": (S_CURVE, STAGES),
    "organisation": (PEERS,),
}
MATRIX_GROUPS = 14  # more groups than this and the matrix is only downloadable


def scoped(*, places=True):
    """Build a page inside `figure_scope` with the scopes its filters narrow every figure to
    (an innovation given to the page narrows it too); `places=False` for a page whose figures
    also read places the filters leave out."""

    def decorate(page):
        @functools.wraps(page)
        def build(filters, *args, **kwargs):
            innovation = next((arg for arg in args if isinstance(arg, Innovation)), None)
            with figure_scope(filters.scopes(places=places, innovation=innovation)):
                return page(filters, *args, **kwargs)

        return build

    return decorate


# A group in words, as a sentence names it ("the 3 ICBs where it spread").
GROUP_KINDS = {"region": "region", "icb": "ICB", "org_type": "organisation type"}


def compared(grouping):
    """The column naming the group a page compares by: its key is the way of comparing."""
    return Column(grouping, aggregates.GROUPING_LABELS[grouping])


class Page:
    """A dashboard's title, its tables and whatever else its template draws."""

    def __init__(self, title, tables, **context):
        self.title = title
        self.tables = tables
        self.context = context

    def table(self, name):
        return next((table for table in self.tables if table.name == name), None)


# How many flags the Spread page lists before "show all".
FLAGS_SHOWN = 20


@scoped(places=False)  # the why reads every place
def spread(filters, *, every_flag=False):
    """The Spread page; it lists the first `FLAGS_SHOWN` flags unless `every_flag`."""
    national = filters.everywhere() if filters.places_filtered else None
    return _spread(
        filters.adoptions,
        grouping=filters.grouping,
        barriers=filters.rows(tallies.BARRIERS),
        changes=filters.rows(tallies.SPREAD),
        by_innovation=filters.rows(tallies.BY_INNOVATION),
        shown=None if every_flag else FLAGS_SHOWN,
        query=filters.query_everywhere(),
        **_national_inputs(national),
    )


def _national_inputs(national):
    """The spread matrix's inputs over every place, as separate arguments (so the cache
    describes each), or none when the view is national already."""
    if national is None:
        return {}
    return {
        "national_adoptions": national.adoptions,
        "national_changes": national.rows(tallies.SPREAD),
        "national_barriers": national.rows(tallies.BY_INNOVATION),
    }


def _national(national_adoptions=None, national_changes=None, national_barriers=None):
    if national_adoptions is None:
        return None
    return national_adoptions, national_changes, national_barriers


@cached
def _spread(adoptions, *, grouping, barriers, changes, by_innovation, shown, query, **national):
    """The whole Spread page, cached as one piece rather than figure by figure: compared by
    ICB it draws thousands of cells, and redrawing them costs more than reading them back."""
    cells = aggregates.spread_matrix(
        adoptions,
        changes=changes,
        barriers=by_innovation,
        grouping=grouping,
        national=_national(**national),
    )
    figures = aggregates.headline(adoptions, barriers, cells)
    funnels = aggregates.funnels(cells)
    by = compared(grouping)
    flags = aggregates.ranked_flags(cells)
    kind = GROUP_KINDS[grouping]
    tables = [
        FUNNELS.table(
            [
                {
                    "innovation": f.name,
                    "organisations": f.total,
                    **{f"stage_{s}": n for s, n in f.stages.items()},
                }
                for f in funnels
            ]
        ),
        MATRIX.table(
            [
                {
                    "innovation": c.innovation,
                    grouping: c.group_label,
                    "organisations": c.verdict.organisations,
                    "adopters": c.verdict.adopters,
                    "adopter_share": c.adopter_share,
                    "stalled": c.verdict.stalled,
                    "stalled_share": c.stalled_share,
                    "stalling": c.verdict.status,
                    "over_represented": "; ".join(
                        item.category for item in (c.why.categories if c.why else [])
                    ),
                }
                for c in cells
            ],
            compared=by,
        ),
        STALLING.table(
            [
                {
                    "rank": rank,
                    "innovation": c.innovation,
                    grouping: c.group_label,
                    "organisations": c.verdict.organisations,
                    "stalled": c.verdict.stalled,
                    "stalled_share": c.stalled_share,
                    "adopters": c.verdict.adopters,
                    "adopter_share": c.adopter_share,
                    "quarters_stopped": c.verdict.stop.quarters,
                    "advances_since": c.verdict.stop.advances,
                    "expected_since": round(c.verdict.stop.expected),
                    "barriers": c.why.barriers,
                    "why": c.why.sentence(kind),
                    "reasons": "; ".join(c.verdict.reasons),
                }
                for rank, c in enumerate(flags, start=1)
            ],
            compared=by,
        ),
    ]
    groups = sorted({(c.group, c.group_label) for c in cells}, key=lambda g: str(g[1]))
    stages = [(s, Stage(s).label) for s in Stage.values]
    listed = flags if shown is None else flags[:shown]
    return Page(
        "Where spread is stalling",
        tables,
        figures=figures,
        funnels=[(f.name, presenters.funnel_cells(f, stages)) for f in funnels],
        stages=stages,
        stage_order=STAGE_ORDER,
        groups=groups,
        matrix=presenters.matrix_rows(cells, groups) if len(groups) <= MATRIX_GROUPS else None,
        flags=len(flags),
        stalling=listed,
        flags_listed=len(listed),
        too_small=sum(1 for c in cells if c.verdict.too_small),
        min_organisations=stall_rule.MIN_ORGANISATIONS,
        stalling_rows=presenters.stalling_rows(listed, grouping, kind, query),
        grouping=grouping,
        group_label=by.label,
        show_matrix=len(groups) <= MATRIX_GROUPS,
    )


SPC = Layout(
    "spc",
    "Stage advances per quarter, with process limits",
    (
        QUARTER,
        Column("advances", "Advances", "int"),
        Column("mean", "Mean", "number"),
        Column("lower", "Lower process limit", "number"),
        Column("upper", "Upper process limit", "number"),
        Column("baseline", "In the baseline"),
        Column("special_cause", "Special cause"),
    ),
)
WHY = Layout(
    "why",
    "Barriers by category: here against where it spread",
    (
        CATEGORY,
        Column("here", "Barriers here", "int"),
        Column("here_share", "Share here", "pct"),
        Column("elsewhere", "Barriers where it spread", "int"),
        Column("elsewhere_share", "Share where it spread", "pct"),
        Column("z", "z-score (weighted log-odds)", "number"),
        Column("named", "Named as a reason"),
    ),
)
SPECIAL_CAUSES = {
    stall_rule.LOW: "Concern: fewer advances",
    stall_rule.HIGH: "Improvement: more advances",
    None: "",
}


def group_key(grouping, code):
    """The group a code names (an ODS code, an organisation type or "none" for not recorded),
    or raise LookupError."""
    if grouping not in aggregates.GROUPINGS:
        raise LookupError(grouping)
    if code == "none":
        return None
    if grouping == "org_type":
        if code not in OrganisationType.values:
            raise LookupError(code)
        return code
    kind = {"region": OrganisationType.REGION, "icb": OrganisationType.ICB}[grouping]
    return Organisation.objects.values_list("pk", flat=True).get(ods_code=code, org_type=kind)


def stall(filters, innovation, grouping, key):
    """One innovation in one group: the stall rule's verdict in words, the XmR chart of its
    advances and, when it is flagged, its barriers against where the innovation spread. The
    group is the place, so place filters do not narrow it; every other filter does."""
    national = filters.everywhere()
    cells = aggregates.spread_matrix(
        national.adoptions.filter(innovation=innovation),
        changes=national.rows(tallies.SPREAD),
        barriers=national.rows(tallies.BY_INNOVATION),
        grouping=grouping,
        charted={(innovation.pk, key)},
        innovations=[innovation.pk],
    )
    cell = next((c for c in cells if c.group == key), None)
    kind = GROUP_KINDS[grouping]
    tables, charts = [], {}
    if cell is not None and cell.verdict.chart is not None:
        tables.append(SPC.table(_spc_rows(cell)))
        charts["spc"] = _spc_chart(tables[0], stall_rule.special_causes(cell.verdict.chart))
    if cell is not None and cell.why is not None:
        tables.append(WHY.table(_why_rows(cell.why)))
    latest = stall_rule.special_causes(cell.verdict.chart)[-1:] if cell else []
    return Page(
        f"{innovation.name} in {cell.group_label if cell else 'this group'}",
        tables,
        innovation=innovation,
        cell=cell,
        kind=kind,
        grouping=grouping,
        reasons=cell.verdict.reasons if cell else [],
        why_not=stall_rule.why_not(cell.verdict) if cell else [],
        why=cell.why.sentence(kind) if cell and cell.why else "",
        variation=latest[0] if latest else None,
        variation_words=stall_rule.VARIATION[latest[0] if latest else None],
        charts=charts,
        min_count=stall_rule.MIN_COUNT,
        min_z=stall_rule.MIN_Z,
    )


def _spc_rows(cell):
    chart = cell.verdict.chart
    causes = stall_rule.special_causes(chart)
    last = last_complete_quarter(timezone.localdate())
    labels = [quarter_label(q) for q in quarters(cell.first_quarter, last)]
    return [
        {
            "quarter": label,
            "advances": point,
            "mean": chart.mean,
            "lower": max(chart.lower, 0.0),
            "upper": chart.upper,
            "baseline": "Yes" if i in chart.baseline else "No",
            "special_cause": SPECIAL_CAUSES[cause],
        }
        for i, (label, point, cause) in enumerate(zip(labels, chart.points, causes, strict=True))
    ]


# How a point is drawn by its special cause: Making Data Count's orange for a concern and
# blue for an improvement (darkened to keep 3:1 contrast on white), grey otherwise; a concern
# points down and an improvement up, so colour is never the only cue.
CAUSE_POINTS = {
    stall_rule.LOW: ("#B34D00", "triangle", 180),
    stall_rule.HIGH: ("#005EB8", "triangle", 0),
    None: ("#768692", "circle", 0),
}


def _spc_chart(table, causes):
    """The XmR chart: advances, each point drawn by its special cause (`causes`), with the mean
    and limits."""
    drawn = chart(table, kind="line", x="quarter", series=["advances", "mean", "lower", "upper"])
    advances, mean, lower, upper = drawn["data"]["datasets"]
    colours, shapes, turns = zip(*(CAUSE_POINTS[cause] for cause in causes), strict=True)
    advances |= {
        "borderColor": "#425563",
        "pointBackgroundColor": colours,
        "pointBorderColor": colours,
        "pointRadius": 6,
        "pointStyle": shapes,
        "pointRotation": turns,
    }
    mean |= {"borderColor": "#212b32", "pointRadius": 0, "borderDash": [], "borderWidth": 1}
    for limit in (lower, upper):
        limit |= {"borderColor": "#768692", "pointRadius": 0, "borderDash": [6, 4]}
    return drawn


def _why_rows(why):
    names = aggregates.category_names()
    named = {item.category for item in why.categories}
    scores = why.scores(names)
    rows = [
        {
            "category": names[category],
            "here": why.here.get(category, 0),
            "here_share": aggregates.share(why.here.get(category, 0), why.barriers),
            "elsewhere": why.elsewhere.get(category, 0),
            "elsewhere_share": aggregates.share(
                why.elsewhere.get(category, 0), why.spread_barriers
            ),
            "z": z,
            "named": "Yes" if names[category] in named else "No",
        }
        for category, z in scores.items()
    ]
    return sorted(rows, key=lambda row: (-row["z"], row["category"]))


@scoped()
def barriers(filters):
    grouping = filters.grouping
    counted = filters.rows(tallies.BARRIERS)
    categories, groups, cells = aggregates.barrier_heatmap(counted, grouping=grouping)
    tables = [
        HEATMAP.table(
            [
                {"category": c, **{key: cells.get((c, key), 0) for key, _ in groups}}
                for c in categories
            ],
            compared=compared(grouping),
            groups=groups,
        ),
        RANKING.table(aggregates.severity_ranking(counted)),
        TREND.table(
            aggregates.opened_and_resolved_by_quarter(
                filters.rows(tallies.OPENED, tallies.RESOLVED)
            )
        ),
        RESOLVE.table(
            aggregates.days_to_resolve(
                filters.rows(tallies.RESOLVE_DAYS), filters.rows(tallies.OPEN_SINCE)
            )
        ),
    ]
    by_name = {table.name: table for table in tables}
    charts = {
        "trend": chart(by_name["trend"], kind="line", x="quarter", series=["opened", "resolved"]),
        "ranking": chart(by_name["ranking"], kind="bar", x="category", series=["weighted"]),
        "resolve": chart(by_name["resolve"], kind="bar", x="category", series=["median_days"]),
    }
    return Page(
        "Barriers",
        tables,
        peak=max(cells.values(), default=0),
        grouping=grouping,
        charts=charts,
    )


@scoped()
def savings(filters):
    qs = filters.barriers
    by_type = BY_TYPE.table(aggregates.savings_by_type(qs))
    for row in by_type.rows:
        row["pair"] = f"{row['org_type']} → {row['savings_org_type']}"
    tables = [by_type, PAIRS.table(aggregates.savings_top_pairs(qs))]
    charts = {"by_type": chart(by_type, kind="bar", x="pair", series=["cost", "savings"])}
    return Page("Savings elsewhere", tables, charts=charts)


@scoped()
def what_worked(filters):
    summary, effect = aggregates.enablers(filters.rows(tallies.ACTIONS))
    tables = [
        ENABLERS.table(summary),
        ENABLER_BY_CATEGORY.table(effect),
        ROUTES.table(aggregates.progress_by_route(filters.adoptions)),
    ]
    charts = {
        "enablers": chart(tables[0], kind="bar", x="enabler", series=["rate"], percent=True),
        "routes": chart(
            tables[2],
            kind="bar",
            x="route",
            series=["adopter_share", "stalled_share"],
            percent=True,
        ),
    }
    return Page("What worked", tables, charts=charts)


@scoped()
def innovation(filters, innovation):
    adoptions = filters.adoptions.filter(innovation=innovation)
    barriers = filters.barriers.filter(innovation=innovation)
    grouping = filters.grouping
    by = compared(grouping)
    axis, lines = aggregates.adopters_over_time(adoptions, grouping=grouping)
    by_group = aggregates.stage_by_group(adoptions, grouping=grouping)
    tables = [
        S_CURVE.table(
            [
                {"quarter": q, **{key: line[j] for key, _, line in lines}}
                for j, q in enumerate(axis)
            ],
            compared=by,
            groups=[(key, name) for key, name, _ in lines],
        ),
        STAGES.table(
            [
                {
                    grouping: r["group"],
                    "organisations": r["total"],
                    "stalled": r["stalled"],
                    **{f"stage_{s}": n for s, n in zip(Stage.values, r["stages"], strict=True)},
                }
                for r in by_group
            ],
            compared=by,
        ),
    ]
    return Page(
        innovation.name,
        tables,
        innovation=innovation,
        stalled=aggregates.stalled_organisations(adoptions, barriers),
        grouping=grouping,
        charts={
            "s_curve": chart(
                tables[0],
                kind="line",
                x="quarter",
                series=[column.key for column in tables[0].columns[1:]],
            )
        },
    )


def organisation(filters, organisation):
    rows = aggregates.peer_comparison(organisation, filters.adoptions)
    tables = [
        PEERS.table(
            [
                {
                    "innovation": r["adoption"].innovation.name,
                    "stage": r["adoption"].get_stage_display(),
                    "stalled": "Yes" if r["stalled"] else "No",
                    **{
                        k: r[k] for k in ("icb_share", "icb_peers", "region_share", "region_peers")
                    },
                }
                for r in rows
            ],
            organisation=organisation.name,
        )
    ]
    open_barriers = filters.barriers.filter(organisation=organisation).open()
    return Page(
        organisation.name,
        tables,
        organisation=organisation,
        open_barriers=open_barriers.count(),
        barriers_listed=list(
            open_barriers.select_related("category", "innovation").order_by(
                "-severity", "-identified_on", "-public_id"
            )[:LISTED]
        ),
        listed=LISTED,
        peers=[
            _peers(organisation, "ICB", icb=organisation.icb),
            _peers(organisation, "region", region=organisation.region),
        ],
    )


def _peers(organisation, kind, **place):
    """The open organisations of the same type in the organisation's ICB or region: how many,
    and the first `LISTED` by name (none when it has no such place)."""
    (where,) = place.values()
    if where is None:
        return {"kind": kind, "place": None, "count": 0, "listed": []}
    peers = (
        Organisation.objects.active()
        .filter(org_type=organisation.org_type, **place)
        .exclude(pk=organisation.pk)
    )
    listed = list(peers.only("ods_code", "name")[:LISTED])
    return {"kind": kind, "place": where, "count": peers.count(), "listed": listed}
