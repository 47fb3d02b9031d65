"""CSV that opens cleanly in Excel: UTF-8 with a byte-order mark, ISO dates, and no cell a
spreadsheet would run as a formula. Large exports stream row by row from a server-side cursor,
so memory stays flat however many rows there are."""

import csv
import datetime
from decimal import Decimal

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


class _Echo:
    def write(self, value):
        return value


def streaming_csv(header, rows, *, filename):
    """A download of `rows` (an iterator of sequences) under `header`."""
    writer = csv.writer(_Echo())

    def lines():
        yield BOM + writer.writerow(header)
        for row in rows:
            yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename)}.csv"'
    return response


def bad_filters(errors):
    """A plain-text 400 naming each bad filter, for a download that cannot show a form."""
    return HttpResponseBadRequest(
        "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()),
        content_type="text/plain",
    )
