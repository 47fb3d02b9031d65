"""The national dashboards. Each view reads the filters, asks the aggregates module for its
figures, arranges them as tables (shown, charted and downloadable) and renders."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from adoption.barriers.models import STAGE_ORDER, Stage
from adoption.core.csv_export import bad_filters
from adoption.dashboards import aggregates, presenters
from adoption.dashboards.filters import DashboardFilters
from adoption.dashboards.tables import Column, Table, chart, csv_response
from adoption.registry.models import Innovation, Organisation

BAD_INPUT = 400
STAGE_COLUMNS = [Column(f"stage_{s}", label, "int") for s, label in Stage.choices]


def _page(request, template, title, filters, tables, **context):
    """Render the page, or the CSV of one of its tables when ?download=<table> is asked."""
    wanted = request.GET.get("download")
    if wanted and not filters.is_valid():
        return bad_filters(filters.form.errors)
    if wanted:
        table = next((t for t in tables if t.name == wanted), None)
        if table is None:
            raise Http404("No such table on this page.")
        return csv_response(table, page=title)
    query = request.GET.copy()
    query.pop("download", None)
    return render(
        request,
        template,
        {
            "title": title,
            "filters": filters,
            "tables": {table.name: table for table in tables},
            "query": query.urlencode(),
            "today": timezone.localdate(),
            **context,
        },
        status=200 if filters.is_valid() else BAD_INPUT,
    )


@require_safe
def spread(request):
    filters = DashboardFilters(request, with_grouping=True)
    adoptions, barriers, grouping = filters.adoptions, filters.barriers, filters.grouping
    figures = aggregates.headline(adoptions, barriers)
    funnels = aggregates.funnels(adoptions)
    cells = aggregates.spread_matrix(
        adoptions, barriers, grouping=grouping, rollup=filters.spread_rollup()
    )

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
    return _page(
        request,
        "dashboards/spread.html",
        "Where spread is stalling",
        filters,
        [funnel_table, matrix_table, stalling_table],
        figures=figures,
        funnels=[(f.name, presenters.funnel_cells(f, stages)) for f in funnels],
        stages=stages,
        stage_order=STAGE_ORDER,
        groups=groups,
        matrix=presenters.matrix_rows(cells, groups),
        stalling=stalling,
        grouping=grouping,
        group_label=group_label,
        show_matrix=len(groups) <= 14,
    )


@require_safe
def barriers(request):
    filters = DashboardFilters(request, with_grouping=True)
    qs, grouping = filters.barriers, filters.grouping
    categories, groups, cells = aggregates.barrier_heatmap(qs, grouping=grouping)
    group_label = aggregates.GROUPING_LABELS[grouping]
    heat_columns = [Column("category", "Barrier category")] + [
        Column(f"g{key}", str(label), "int") for key, label in groups
    ]
    heat_rows = [
        {"category": c, **{f"g{key}": cells.get((c, key), 0) for key, _ in groups}}
        for c in categories
    ]
    peak = max(cells.values(), default=0)
    ranking = aggregates.severity_ranking(qs)
    trend = aggregates.opened_and_resolved_by_quarter(qs)
    resolve = aggregates.days_to_resolve(qs)
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
    return _page(
        request,
        "dashboards/barriers.html",
        "Barriers",
        filters,
        tables,
        heat_keys=[key for key, _ in groups],
        peak=peak,
        grouping=grouping,
        charts=charts,
    )


@require_safe
def savings(request):
    filters = DashboardFilters(request)
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
    return _page(
        request, "dashboards/savings.html", "Savings elsewhere", filters, tables, charts=charts
    )


@require_safe
def what_worked(request):
    filters = DashboardFilters(request)
    effect = aggregates.enabler_effect(filters.barriers)
    tables = [
        Table(
            "enablers",
            "Resolution rate and median days to resolution, by enabler",
            [
                Column("enabler_type__name", "Enabler"),
                Column("actions", "Completed actions", "int"),
                Column("resolved", "Resolved the barrier", "int"),
                Column("rate", "Resolution rate", "pct"),
                Column("median_days", "Median days to resolution", "days"),
            ],
            aggregates.enabler_summary(filters.barriers),
        ),
        Table(
            "enabler_by_category",
            "Enabler type × barrier category",
            [
                Column("enabler_type__name", "Enabler"),
                Column("barrier__category__name", "Barrier category"),
                Column("actions", "Completed actions", "int"),
                Column("resolved", "Resolved the barrier", "int"),
                Column("rate", "Resolution rate", "pct"),
                Column("median_days", "Median days to resolution", "days"),
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
    return _page(
        request, "dashboards/what_worked.html", "What worked", filters, tables, charts=charts
    )


@require_safe
def innovation(request, pk):
    innovation = get_object_or_404(Innovation, pk=pk)
    filters = DashboardFilters(request, with_grouping=True)
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
    return _page(
        request,
        "dashboards/innovation.html",
        innovation.name,
        filters,
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


@require_safe
def organisation(request, ods_code):
    organisation = get_object_or_404(
        Organisation.objects.select_related("icb", "region"), ods_code=ods_code.upper()
    )
    filters = DashboardFilters(request)
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
    return _page(
        request,
        "dashboards/organisation.html",
        organisation.name,
        filters,
        tables,
        organisation=organisation,
        open_barriers=filters.barriers.filter(organisation=organisation).open().count(),
    )
