"""What each national dashboard shows: its figures from the aggregates module, arranged as
tables (shown, charted, downloadable as CSV and served by the API) plus what its template
draws. The pages and the API both build dashboards here, so they always agree.

Every table is declared once, below, as a `Layout`: `LAYOUTS` lists each page's tables, and the
API schema describes them from there. Where a figure is tallied, the filters say where its rows
come from (`DashboardFilters.rows`); the figure is computed the same way either way."""

from adoption.barriers.models import STAGE_ORDER, Stage
from adoption.dashboards import aggregates, presenters, tallies
from adoption.dashboards.cache import cached
from adoption.dashboards.tables import Column, Compared, EachGroup, Layout, chart
from adoption.registry.models import Organisation

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
        Column("stalling", "Flagged as stalling"),
        Column("over_represented", "Over-represented barriers"),
    ),
)
STALLING = Layout(
    "stalling",
    "Groups flagged as stalling, most stalled first",
    (
        INNOVATION,
        Compared(),
        STALLED_SHARE,
        ADOPTER_SHARE,
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


def spread(filters):
    return _spread(
        filters.adoptions,
        grouping=filters.grouping,
        barriers=filters.rows(tallies.BARRIERS),
        changes=filters.rows(tallies.SPREAD),
        by_innovation=filters.rows(tallies.BY_INNOVATION),
    )


@cached
def _spread(adoptions, *, grouping, barriers, changes, by_innovation):
    """The whole Spread page, cached as one piece rather than figure by figure: compared by
    ICB it draws thousands of cells, and redrawing them costs more than reading them back."""
    figures = aggregates.headline(adoptions, barriers)
    cells = aggregates.spread_matrix(
        adoptions, changes=changes, barriers=by_innovation, grouping=grouping
    )
    funnels = aggregates.funnels(cells)
    by = compared(grouping)
    stalling = sorted(
        (c for c in cells if c.verdict.stalling),
        key=lambda c: (-c.stalled_share, c.innovation, c.group_label),
    )
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
                    "stalling": "Yes" if c.verdict.stalling else "No",
                    "over_represented": "; ".join(item.category for item in c.why),
                }
                for c in cells
            ],
            compared=by,
        ),
        STALLING.table(
            [
                {
                    "innovation": c.innovation,
                    grouping: c.group_label,
                    "stalled_share": c.stalled_share,
                    "adopter_share": c.adopter_share,
                    "why": "; ".join(item.sentence() for item in c.why),
                    "reasons": "; ".join(c.verdict.reasons),
                }
                for c in stalling
            ],
            compared=by,
        ),
    ]
    groups = sorted({(c.group, c.group_label) for c in cells}, key=lambda g: str(g[1]))
    stages = [(s, Stage(s).label) for s in Stage.values]
    return Page(
        "Where spread is stalling",
        tables,
        figures=figures,
        funnels=[(f.name, presenters.funnel_cells(f, stages)) for f in funnels],
        stages=stages,
        stage_order=STAGE_ORDER,
        groups=groups,
        matrix=presenters.matrix_rows(cells, groups) if len(groups) <= MATRIX_GROUPS else None,
        stalling=stalling,
        stalling_rows=presenters.stalling_rows(stalling, grouping),
        grouping=grouping,
        group_label=by.label,
        show_matrix=len(groups) <= MATRIX_GROUPS,
    )


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


def savings(filters):
    qs = filters.barriers
    by_type = BY_TYPE.table(aggregates.savings_by_type(qs))
    for row in by_type.rows:
        row["pair"] = f"{row['org_type']} → {row['savings_org_type']}"
    tables = [by_type, PAIRS.table(aggregates.savings_top_pairs(qs))]
    charts = {"by_type": chart(by_type, kind="bar", x="pair", series=["cost", "savings"])}
    return Page("Savings elsewhere", tables, charts=charts)


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
