"""Numbers formatted for people: thousands separators, £, %."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


def grouped(number):
    """1234567 as "1,234,567" (a format string: tables format thousands of numbers)."""
    return f"{number:,}"


@register.filter
def cell(row, column):
    """Format one table cell by its column's kind; an empty one says what it means."""
    value = row.get(column.key)
    if value is None and column.missing:
        return column.missing
    return fmt(value, column.kind)


@register.filter
def body_rows(table):
    """A table's rows as the cells of its body (the first a row header), formatted by `cell`
    and escaped: drawn here rather than cell by cell in the template, as a national table has
    thousands of cells."""
    numeric = [' class="sw-numeric"' if c.kind != "text" else "" for c in table.columns]
    first, *rest = table.columns
    rows = []
    for row in table.rows:
        cells = [f'<th scope="row">{conditional_escape(cell(row, first))}</th>']
        cells += [
            f"<td{numeric[i]}>{conditional_escape(cell(row, column))}</td>"
            for i, column in enumerate(rest, start=1)
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(rows))


@register.filter
def fmt(value, kind="int"):
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:.0f}%"
    if kind == "gbp":
        return f"£{grouped(round(float(value)))}"
    if kind == "days":
        return grouped(round(float(value)))
    if kind == "int":
        return grouped(int(value))
    if kind == "number":
        return f"{float(value):,.1f}"
    return value


@register.filter
def pct(value):
    return fmt(value, "pct")


@register.filter
def shade(value):
    """A sequential blue for a share from 0 to 1: lightness alone carries the value, so it
    reads in greyscale and for colour-blind readers. Text colour keeps 4.5:1 contrast."""
    if value is None:
        return "background-color:#ffffff"
    lightness = 97 - round(float(value) * 62)
    # At this hue no text colour reaches 4.5:1 on 49% lightness: white up to 48%, black
    # (NHS black) from 50%.
    if lightness < 50:
        lightness, text = min(lightness, 48), "#ffffff"
    else:
        text = "#0b0c0c"
    return f"background-color:hsl(212, 70%, {lightness}%);color:{text}"


@register.filter
def get(mapping, key):
    return mapping.get(key)


@register.filter
def heat(count, peak):
    """Shade a count against the largest count in its table."""
    return shade(count / peak if peak else None)
