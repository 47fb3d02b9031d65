"""Markup for the largest tables, built in Python: a 200-row matrix rendered cell by cell
through template tags costs more than the figures behind it. The pieces are numbers and the
stage names of the code itself, so plain format strings build them; anything that could come
from a user (a name) goes through `escape`."""

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from adoption.dashboards.templatetags.dashboard_format import grouped, pct, shade

STALLING_TAG = mark_safe(' <strong class="nhsuk-tag nhsuk-tag--red">Stalling</strong>')
NO_CELL = mark_safe('<td class="sw-numeric">—</td>')


def _matrix_cell(cell):
    if cell is None:
        return NO_CELL
    tag = STALLING_TAG if cell.verdict.stalling else ""
    return (
        f'<td class="sw-numeric" style="{shade(cell.adopter_share)}">'
        f"{pct(cell.adopter_share)}{tag}</td>"
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
    bar = "".join(
        f'<span class="sw-stage sw-stage--{stage}" style="flex-grow:{funnel.stages[stage]}" '
        f'title="{escape(label)}: {funnel.stages[stage]}"></span>'
        for stage, label in stages
        if funnel.stages[stage]
    )
    counts = "".join(
        f'<td class="sw-numeric">{grouped(funnel.stages[stage])}</td>' for stage, _ in stages
    )
    return mark_safe(
        f'<td class="sw-funnel-col"><div class="sw-stack" aria-hidden="true">{bar}</div></td>'
        f'<td class="sw-numeric">{grouped(funnel.total)}</td>{counts}'
    )


def stalling_rows(stalling, grouping, kind, query):
    """The rows of the "where spread is stalling" table: one per flagged group, ranked, with why
    it stalls, why it is flagged and a link to its chart (keeping the filters in `query` that
    are not places). `kind` names a group in words."""
    stall_url = reverse("dashboard-stall", args=[0, grouping, "x"]).removesuffix(
        f"0/{grouping}/x/"
    )
    rows = []
    for rank, cell in enumerate(stalling, start=1):
        link = f"{stall_url}{cell.innovation_id}/{grouping}/{escape(cell.group_code or 'none')}/"
        link += f"?{escape(query)}" if query else ""
        reasons = "".join(
            f"<li>{escape(capfirst(reason))}.</li>" for reason in cell.verdict.reasons
        )
        rows.append(
            f'<tr><td class="sw-numeric">{rank}</td>'
            f'<th scope="row"><a href="{link}">{escape(cell.innovation)}'
            f'<span class="nhsuk-u-visually-hidden"> in {escape(cell.group_label)}</span></a><br>'
            f'<span class="nhsuk-body-s">{escape(cell.group_label)}</span></th>'
            f'<td class="sw-numeric">{grouped(cell.verdict.stalled)}<br>'
            '<span class="nhsuk-body-s">'
            f"of {grouped(cell.verdict.organisations)} ({pct(cell.stalled_share)})</span></td>"
            f'<td class="sw-numeric">{pct(cell.adopter_share)}</td>'
            f"<td>{escape(cell.why.sentence(kind))}"
            '<details class="nhsuk-details nhsuk-u-margin-bottom-0">'
            '<summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">'
            'Why it is flagged<span class="nhsuk-u-visually-hidden">: '
            f"{escape(cell.innovation)} in {escape(cell.group_label)}</span></span></summary>"
            '<div class="nhsuk-details__text">'
            f'<ul class="nhsuk-list nhsuk-list--bullet nhsuk-body-s">{reasons}</ul></div>'
            "</details></td></tr>"
        )
    return mark_safe("".join(rows))
