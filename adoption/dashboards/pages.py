"""What each national dashboard shows: its figures from the aggregates module, arranged as
tables (shown, charted, downloadable as CSV and served by the API) plus what its template
draws. The pages and the API both build dashboards here, so they always agree."""

from adoption.barriers.models import STAGE_ORDER, Stage
from adoption.dashboards import aggregates, presenters, tallies
from adoption.dashboards.cache import cached
from adoption.dashboards.tables import Column, Table, chart

# What came of the enabler actions in a row of What worked.
OUTCOME_COLUMNS = [
    Column("actions", "Completed actions", "int"),
    Column("resolved", "Resolved the barrier", "int"),
    Column("rate", "Resolution rate", "pct"),
    Column("median_days", "Median days to resolution", "days"),
]
MATRIX_GROUPS = 14  # more groups than this and the matrix is only downloadable
STAGE_COLUMNS = [Column(f"stage_{s}", label, "int") for s, label in Stage.choices]


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
        filters.barriers,
        grouping=filters.grouping,
        rollup=filters.spread_rollup(),
        counted=filters.tally(tallies.BARRIERS),
        by_innovation=filters.tally(tallies.BY_INNOVATION),
    )


@cached
def _spread(adoptions, barriers, *, grouping, rollup, counted, by_innovation):
    """The whole Spread page, cached as one piece rather than figure by figure: compared by
    ICB it draws thousands of cells, and redrawing them costs more than reading them back."""
    figures = aggregates.headline(adoptions, barriers, tally=counted)
    cells = aggregates.spread_matrix(
        adoptions, barriers, grouping=grouping, rollup=rollup, tally=by_innovation
    )
    funnels = aggregates.funnels(cells)

    funnel_table = Table(
        "funnels",
        "Organisations at each stage, per innovation",
        [
            Column("innovation", "Innovation"),
            Column("total", "Organisations", "int"),
            *STAGE_COLUMNS,
        ],
        [
            {
                "innovation": f.name,
                "total": f.total,
                **{f"stage_{s}": n for s, n in f.stages.items()},
            }
            for f in funnels
        ],
    )
    group_label = aggregates.GROUPING_LABELS[grouping]
    matrix_table = Table(
        "matrix",
        f"Adoption and stalls by innovation and {group_label.lower()}",
        [
            Column("innovation", "Innovation"),
            Column("group", group_label),
            Column("organisations", "Organisations", "int"),
            Column("adopters", "Adopters", "int"),
            Column("adopter_share", "Adopter share", "pct"),
            Column("stalled", "Stalled", "int"),
            Column("stalled_share", "Stalled share", "pct"),
            Column("stalling", "Flagged as stalling"),
            Column("why", "Over-represented barriers"),
        ],
        [
            {
                "innovation": c.innovation,
                "group": c.group_label,
                "organisations": c.verdict.organisations,
                "adopters": c.verdict.adopters,
                "adopter_share": c.adopter_share,
                "stalled": c.verdict.stalled,
                "stalled_share": c.stalled_share,
                "stalling": "Yes" if c.verdict.stalling else "No",
                "why": "; ".join(item.category for item in c.why),
            }
            for c in cells
        ],
    )
    stalling = sorted(
        (c for c in cells if c.verdict.stalling),
        key=lambda c: (-c.stalled_share, c.innovation, c.group_label),
    )
    stalling_table = Table(
        "stalling",
        "Groups flagged as stalling, most stalled first",
        [
            Column("innovation", "Innovation"),
            Column("group", group_label),
            Column("stalled_share", "Stalled", "pct"),
            Column("adopter_share", "Adopted", "pct"),
            Column("why", "Stalling because"),
            Column("reasons", "Why it is flagged"),
        ],
        [
            {
                "innovation": c.innovation,
                "group": c.group_label,
                "stalled_share": c.stalled_share,
                "adopter_share": c.adopter_share,
                "why": "; ".join(item.sentence() for item in c.why),
                "reasons": "; ".join(c.verdict.reasons),
            }
            for c in stalling
        ],
    )
    groups = sorted({(c.group, c.group_label) for c in cells}, key=lambda g: str(g[1]))
    stages = [(s, Stage(s).label) for s in Stage.values]
    return Page(
        "Where spread is stalling",
        [funnel_table, matrix_table, stalling_table],
        figures=figures,
        funnels=[(f.name, presenters.funnel_cells(f, stages)) for f in funnels],
        stages=stages,
        stage_order=STAGE_ORDER,
        groups=groups,
        matrix=presenters.matrix_rows(cells, groups) if len(groups) <= MATRIX_GROUPS else None,
        stalling=stalling,
        stalling_rows=presenters.stalling_rows(stalling, grouping),
        grouping=grouping,
        group_label=group_label,
        show_matrix=len(groups) <= MATRIX_GROUPS,
    )


def barriers(filters):
    qs, grouping = filters.barriers, filters.grouping
    counted = filters.tally(tallies.BARRIERS)
    categories, groups, cells = aggregates.barrier_heatmap(qs, grouping=grouping, tally=counted)
    group_label = aggregates.GROUPING_LABELS[grouping]
    heat_columns = [Column("category", "Barrier category")] + [
        Column(f"g{key}", str(label), "int") for key, label in groups
    ]
    heat_rows = [
        {"category": c, **{f"g{key}": cells.get((c, key), 0) for key, _ in groups}}
        for c in categories
    ]
    peak = max(cells.values(), default=0)
    ranking = aggregates.severity_ranking(qs, tally=counted)
    trend = aggregates.opened_and_resolved_by_quarter(qs, tally=filters.tally(tallies.OPENED))
    resolve = aggregates.days_to_resolve(qs, tally=filters.tally(tallies.RESOLVE_DAYS))
    tables = [
        Table(
            "heatmap", f"Barriers by category and {group_label.lower()}", heat_columns, heat_rows
        ),
        Table(
            "ranking",
            "Open barriers by category, ranked by total severity",
            [
                Column("category__name", "Barrier category"),
                Column("open", "Open barriers", "int"),
                Column("critical", "Critical", "int"),
                Column("weighted", "Severity-weighted total", "int"),
            ],
            ranking,
        ),
        Table(
            "trend",
            "Barriers opened and resolved per quarter",
            [
                Column("quarter", "Quarter"),
                Column("opened", "Opened", "int"),
                Column("resolved", "Resolved", "int"),
            ],
            trend,
        ),
        Table(
            "resolve",
            "Median days to resolve, by category",
            [
                Column("category__name", "Barrier category"),
                Column("resolved", "Resolved barriers", "int"),
                Column("median_days", "Median days to resolve", "days"),
            ],
            resolve,
        ),
    ]
    by_name = {table.name: table for table in tables}
    charts = {
        "trend": chart(by_name["trend"], kind="line", x="quarter", series=["opened", "resolved"]),
        "ranking": chart(by_name["ranking"], kind="bar", x="category__name", series=["weighted"]),
        "resolve": chart(
            by_name["resolve"], kind="bar", x="category__name", series=["median_days"]
        ),
    }
    return Page(
        "Barriers",
        tables,
        heat_keys=[key for key, _ in groups],
        peak=peak,
        grouping=grouping,
        charts=charts,
    )


def savings(filters):
    qs = filters.barriers
    tables = [
        Table(
            "by_type",
            "Cost borne and savings landing elsewhere, by type of organisation",
            [
                Column("bearer", "Who bears the cost"),
                Column("saver", "Where savings land"),
                Column("barriers", "Barriers", "int"),
                Column("cost", "Annual cost borne", "gbp"),
                Column("savings", "Annual savings elsewhere", "gbp"),
            ],
            aggregates.savings_by_type(qs),
        ),
        Table(
            "pairs",
            "Organisation pairs with the most savings landing elsewhere",
            [
                Column("organisation__name", "Bears the cost"),
                Column("savings_organisation__name", "Savings land at"),
                Column("barriers", "Barriers", "int"),
                Column("open", "Still open", "int"),
                Column("cost", "Annual cost borne", "gbp"),
                Column("savings", "Annual savings elsewhere", "gbp"),
            ],
            aggregates.savings_top_pairs(qs),
        ),
    ]
    for row in tables[0].rows:
        row["pair"] = f"{row['bearer']} → {row['saver']}"
    charts = {"by_type": chart(tables[0], kind="bar", x="pair", series=["cost", "savings"])}
    return Page("Savings elsewhere", tables, charts=charts)


def what_worked(filters):
    actions = filters.tally(tallies.ACTIONS)
    summary, effect = aggregates.enablers(filters.barriers, tally=actions)
    tables = [
        Table(
            "enablers",
            "Resolution rate and median days to resolution, by enabler",
            [Column("enabler_type__name", "Enabler"), *OUTCOME_COLUMNS],
            summary,
        ),
        Table(
            "enabler_by_category",
            "Enabler type × barrier category",
            [
                Column("enabler_type__name", "Enabler"),
                Column("barrier__category__name", "Barrier category"),
                *OUTCOME_COLUMNS,
            ],
            effect,
        ),
        Table(
            "routes",
            "Progress by route of arrival",
            [
                Column("route", "Route"),
                Column("adoptions", "Adoptions", "int"),
                Column("adopters", "Implementing or embedded", "int"),
                Column("adopter_share", "Adopter share", "pct"),
                Column("stalled", "Stalled", "int"),
                Column("stalled_share", "Stalled share", "pct"),
                Column("dropped", "Declined or abandoned", "int"),
            ],
            aggregates.progress_by_route(filters.adoptions),
        ),
    ]
    charts = {
        "enablers": chart(
            tables[0], kind="bar", x="enabler_type__name", series=["rate"], percent=True
        ),
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
    axis, lines = aggregates.adopters_over_time(adoptions, grouping=grouping)
    by_group = aggregates.stage_by_group(adoptions, grouping=grouping)
    group_label = aggregates.GROUPING_LABELS[grouping]
    tables = [
        Table(
            "s_curve",
            f"Cumulative adopters by quarter and {group_label.lower()}",
            [Column("quarter", "Quarter")]
            + [Column(f"l{i}", label, "int") for i, (label, _) in enumerate(lines)],
            [
                {"quarter": q, **{f"l{i}": line[j] for i, (_, line) in enumerate(lines)}}
                for j, q in enumerate(axis)
            ],
        ),
        Table(
            "stages",
            f"Stage by {group_label.lower()}",
            [
                Column("group", group_label),
                Column("total", "Organisations", "int"),
                Column("stalled", "Stalled", "int"),
            ]
            + STAGE_COLUMNS,
            [
                {
                    "group": r["group"],
                    "total": r["total"],
                    "stalled": r["stalled"],
                    **{f"stage_{s}": n for s, n in zip(Stage.values, r["stages"], strict=True)},
                }
                for r in by_group
            ],
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
        Table(
            "peers",
            f"{organisation.name} among its peers",
            [
                Column("innovation", "Innovation"),
                Column("stage", "Stage here"),
                Column("stalled", "Stalled here"),
                Column("icb_share", "Adopter share in ICB", "pct"),
                Column("icb_peers", "Peers in ICB", "int"),
                Column("region_share", "Adopter share in region", "pct"),
                Column("region_peers", "Peers in region", "int"),
            ],
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
        )
    ]
    return Page(
        organisation.name,
        tables,
        organisation=organisation,
        open_barriers=filters.barriers.filter(organisation=organisation).open().count(),
    )
