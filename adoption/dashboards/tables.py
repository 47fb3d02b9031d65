"""Tables: the data behind every chart, shown on the page and downloadable as CSV, so the
download always equals what the page shows."""

import csv
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils.text import slugify

from adoption.core.csv_export import BOM, cell


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, pct, gbp, days


@dataclass
class Table:
    name: str
    caption: str
    columns: list
    rows: list = field(default_factory=list)  # dicts keyed by column key

    def csv_values(self, row):
        return [csv_value(row.get(column.key), column.kind) for column in self.columns]


def csv_value(value, kind):
    if value is None:
        return ""
    if kind == "pct":
        return f"{value * 100:.0f}"
    if kind in ("gbp", "days"):
        return f"{float(value):.0f}"
    if kind == "int":
        return str(value)
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
