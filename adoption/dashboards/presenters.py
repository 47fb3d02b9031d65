"""Markup for the largest tables, built in Python: a 200-row matrix rendered cell by cell
through template tags costs more than the figures behind it."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from adoption.dashboards.templatetags.dashboard_format import grouped, pct, shade

STALLING_TAG = mark_safe(' <strong class="nhsuk-tag nhsuk-tag--red">Stalling</strong>')
NO_CELL = mark_safe('<td class="sw-numeric">—</td>')


def _matrix_cell(cell):
    if cell is None:
        return NO_CELL
    return format_html(
        '<td class="sw-numeric" style="{}">{}{}</td>',
        shade(cell.adopter_share),
        pct(cell.adopter_share),
        STALLING_TAG if cell.verdict.stalling else "",
    )


def matrix_rows(cells, groups):
    """[(innovation id, name, cells markup)] for the innovation × group matrix."""
    by_innovation = {}
    for cell in cells:
        by_innovation.setdefault((cell.innovation_id, cell.innovation), {})[cell.group] = cell
    return [
        (innovation_id, name, mark_safe("".join(_matrix_cell(row.get(key)) for key, _ in groups)))
        for (innovation_id, name), row in sorted(by_innovation.items(), key=lambda i: i[0][1])
    ]


def funnel_cells(funnel, stages):
    """The drawn stage bar and the count cells of one funnel row."""
    bar = format_html_join(
        "",
        '<span class="sw-stage sw-stage--{}" style="flex-grow:{}" title="{}: {}"></span>',
        (
            (stage, funnel.stages[stage], label, funnel.stages[stage])
            for stage, label in stages
            if funnel.stages[stage]
        ),
    )
    counts = format_html_join(
        "",
        '<td class="sw-numeric">{}</td>',
        ((grouped(funnel.stages[stage]),) for stage, _ in stages),
    )
    return format_html(
        '<td class="sw-funnel-col"><div class="sw-stack" aria-hidden="true">{}</div></td>'
        '<td class="sw-numeric">{}</td>{}',
        bar,
        grouped(funnel.total),
        counts,
    )
