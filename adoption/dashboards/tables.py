"""Tables: the data behind every chart, shown on the page and downloadable as CSV, so the
download always equals what the page shows. Each is declared once (`Layout`): its columns are
keyed by domain words (`category`, `region`, `innovation`), the same in page, CSV and API, and
labelled for people (the CSV's header)."""

import csv
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.text import slugify

from adoption.core.csv_export import BOM, cell


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, pct, gbp, days, number (one decimal place)
    # What an empty cell means, where that is more than "no data" (e.g. "Not reached"): shown
    # on the page and written in the CSV in its place.
    missing: str | None = None


KINDS = ["text", "int", "pct", "gbp", "days", "number"]


@dataclass(frozen=True)
class Compared:
    """In a declared table, the column naming the group compared: keyed and labelled after the
    way the page compares places (`region`, `icb`, `org_type`)."""


@dataclass(frozen=True)
class EachGroup:
    """In a declared table, one column per group compared, keyed by the group's code (an ODS
    code or an organisation type) and labelled with its name."""

    kind: str = "int"


@dataclass(frozen=True)
class Layout:
    """A table as declared: its name, its caption and its columns, the same whatever the rows.
    A page fills it in (`table`); the API schema describes it."""

    name: str
    caption: str  # may say "{compared}" (the kind of group compared) or name a page's subject
    columns: tuple  # Column, Compared or EachGroup

    def table(self, rows, *, compared=None, groups=(), **caption):
        """This table with `rows`, comparing groups by the `compared` column (a Column keyed and
        labelled after the way of comparing) and `groups` [(column key, name)]."""
        columns = []
        for column in self.columns:
            if isinstance(column, Compared):
                columns.append(compared)
            elif isinstance(column, EachGroup):
                columns += [Column(key, str(name), column.kind) for key, name in groups]
            else:
                columns.append(column)
        if compared is not None:
            caption["compared"] = compared.label.lower()
        return Table(self.name, self.caption.format(**caption), columns, rows)


@dataclass
class Table:
    name: str
    caption: str
    columns: list
    rows: list = field(default_factory=list)  # dicts keyed by column key

    def csv_values(self, row):
        return [csv_value(row.get(column.key), column) for column in self.columns]


def csv_value(value, column):
    kind = column.kind
    if value is None:
        return column.missing or ""
    if kind == "pct":
        return f"{value * 100:.0f}"
    if kind in ("gbp", "days"):
        return f"{float(value):.0f}"
    if kind == "int":
        return str(value)
    if kind == "number":
        return f"{float(value):.1f}"
    return cell(value)


def csv_response(table, *, page):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="spreadwatch-{slugify(page)}-{slugify(table.name)}.csv"'
    )
    response.write(BOM)  # so Excel reads UTF-8
    writer = csv.writer(response)
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow(table.csv_values(row))
    return response


def chart(table, *, kind, x, series, percent=False):
    """Chart.js data for some columns of a table: the chart and the table share their data."""
    labels = {column.key: column.label for column in table.columns}
    scale = 100 if percent else 1
    return {
        "type": kind,
        "percent": percent,
        "data": {
            "labels": [str(row.get(x)) for row in table.rows],
            "datasets": [
                {
                    "label": labels[key],
                    "data": [
                        None if row.get(key) is None else round(float(row[key]) * scale, 1)
                        for row in table.rows
                    ],
                }
                for key in series
            ],
        },
    }
