"""CSV that opens cleanly in Excel: UTF-8 with a byte-order mark, ISO dates, and no cell a
spreadsheet would run as a formula. Large exports stream row by row from a server-side cursor,
so memory stays flat however many rows there are."""

import csv
import datetime
import io
from decimal import Decimal

from django.db import models
from django.db.models.functions import Cast
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils.text import slugify

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def cell(value):
    """One value as a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date | int | float | Decimal):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# Rows written per chunk of the streamed response: large enough that the per-chunk cost of
# streaming vanishes, small enough that memory stays flat.
ROWS_PER_CHUNK = 2000


FORMULA_FIRST_CHARACTERS = frozenset("".join(FORMULA_STARTS))


def _field_at(model, lookup):
    """The model field a lookup such as "organisation__region__name" ends at."""
    field, current = None, model
    for part in lookup.split("__"):
        field = current._meta.get_field(part)
        current = field.related_model or current
    return field


def database_values(model, lookups):
    """What to select for each column: dates are read as ISO text by the database (what the
    CSV shows anyway), so no Python date is built for every cell."""
    return [
        Cast(lookup, output_field=models.TextField())
        if type(_field_at(model, lookup)) is models.DateField
        else lookup
        for lookup in lookups
    ]


def converters(model, lookups):
    """For each column, how to write it: a dict maps a field's stored choices to the labels
    the pages show ("being_addressed" to "Being addressed"), "text" is kept from running as a
    formula, "yes/no" is a boolean, and None means the csv module writes the value as it is
    (ISO dates, plain numbers, "" for nothing)."""
    found = []
    for lookup in lookups:
        field = _field_at(model, lookup)
        if field.choices:
            found.append({value: str(label) for value, label in field.flatchoices})
        elif isinstance(field, models.BooleanField):
            found.append("yes/no")
        elif isinstance(field, models.CharField | models.TextField):
            found.append("text")
        else:
            found.append(None)
    return found


def streaming_csv(header, rows, *, filename, convert=None):
    """A download of `rows` (an iterator of sequences) under `header`; `convert` names how
    to write each column, as `converters` does. Without it every value goes through `cell`."""
    texts = [i for i, kind in enumerate(convert or []) if kind == "text"]
    flags = [i for i, kind in enumerate(convert or []) if kind == "yes/no"]
    labelled = [(i, kind) for i, kind in enumerate(convert or []) if isinstance(kind, dict)]

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write(BOM)
        writer.writerow(header)
        for number, row in enumerate(rows, 1):
            if convert is None:
                row = [cell(value) for value in row]
            else:
                row = list(row)
                for i, labels in labelled:  # a dict look-up, not a record per row
                    value = labels.get(row[i], row[i])
                    if isinstance(value, str) and value and value[0] in FORMULA_FIRST_CHARACTERS:
                        value = "'" + value
                    row[i] = value
                for i in texts:  # inline: this loop runs for every cell of a million rows
                    value = row[i]
                    if value and value[0] in FORMULA_FIRST_CHARACTERS:
                        row[i] = "'" + value
                for i in flags:
                    if row[i] is not None:
                        row[i] = "yes" if row[i] else "no"
            writer.writerow(row)
            if number % ROWS_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename)}.csv"'
    return response


def bad_filters(errors):
    """A plain-text 400 naming each bad filter, for a download that cannot show a form."""
    return HttpResponseBadRequest(
        "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()),
        content_type="text/plain",
    )


def is_download(request):
    """A CSV download: the register's and adoptions' exports, or a dashboard table's
    (`?download=<table>`)."""
    return request.path.endswith(".csv") or "download" in request.GET
