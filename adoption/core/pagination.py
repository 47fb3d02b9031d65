"""Pagination that never counts a million rows to draw a page: keyset pages for long lists and
estimated counts for large results."""

import datetime
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property

# Below this many rows an exact COUNT is cheap enough to run.
EXACT_COUNT_BELOW = 10_000


class EstimatedCountPaginator(Paginator):
    """For the admin: on PostgreSQL, an unfiltered list is counted from the planner's estimate
    (`pg_class.reltuples`, kept fresh by autovacuum) once the table is large."""

    @cached_property
    def count(self):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is not None and not query.where:
            estimate = estimated_rows(queryset.db, queryset.model._meta.db_table)
            if estimate >= EXACT_COUNT_BELOW:
                return estimate
        return super().count


def estimated_rows(alias, table):
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return -1
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return row[0] if row else -1


def planner_estimate(queryset):
    """PostgreSQL's estimate of how many rows a query returns, without running it."""
    connection = connections[queryset.db]
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool


def count_or_estimate(queryset):
    """An exact count for small results; the planner's estimate for large ones."""
    if connections[queryset.db].vendor == "postgresql":
        estimate = planner_estimate(queryset)
        if estimate >= EXACT_COUNT_BELOW:
            return Count(estimate, exact=False)
    return Count(queryset.count(), exact=True)


class BadCursor(ValueError):
    pass


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def _columns(queryset, order):
    """[(field, descending)] for an order such as ("-identified_on", "-public_id")."""
    if len(order) != 2:
        raise ValueError(f"A keyset page is ordered by two columns, not {order!r}.")
    return [
        (queryset.model._meta.get_field(name.removeprefix("-")), name.startswith("-"))
        for name in order
    ]


def encode_cursor(row, columns):
    """A row's position, "<first value>.<second value>": ISO text for a date."""
    values = []
    for field, _ in columns:
        value = getattr(row, field.attname)
        values.append(value.isoformat() if isinstance(value, datetime.date) else str(value))
    return ".".join(values)


def decode_cursor(text, columns):
    """The values of a position, each read and checked as its column's field would."""
    first, _, second = text.rpartition(".")
    try:
        if not first or not second:
            raise ValidationError("A position names two values.")
        values = []
        for (field, _), part in zip(columns, (first, second), strict=True):
            value = field.to_python(part)
            field.run_validators(value)
            values.append(value)
    except ValidationError:
        raise BadCursor(f"{text!r} is not a page position.") from None
    return values


def _beyond(columns, values, *, forward):
    """The rows after a position in the page order (forward), or before it. The first condition
    bounds an index range scan; the second trims the rows that share the first value."""
    (first, first_descending), (second, second_descending) = columns
    first_value, second_value = values
    first_past = "lt" if first_descending == forward else "gt"
    second_past = "lt" if second_descending == forward else "gt"
    return Q(**{f"{first.name}__{first_past}e": first_value}) & (
        Q(**{f"{first.name}__{first_past}": first_value})
        | Q(**{f"{second.name}__{second_past}": second_value})
    )


def keyset_page(queryset, *, order, after=None, before=None, size=50):
    """One page of rows in `order`, two columns named as for order_by ("-" for descending;
    neither null, the second unique and its values without a dot), starting after or ending
    before a position (`encode_cursor`): an index range scan however deep the page."""
    if after and before:
        raise BadCursor("Give either after or before, not both.")
    columns = _columns(queryset, order)
    if before:
        values = decode_cursor(before, columns)
        reverse = [name[1:] if name.startswith("-") else f"-{name}" for name in order]
        rows = list(
            queryset.filter(_beyond(columns, values, forward=False)).order_by(*reverse)[: size + 1]
        )
        more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        return KeysetPage(
            rows=rows,
            next_cursor=encode_cursor(rows[-1], columns) if rows else None,
            previous_cursor=encode_cursor(rows[0], columns) if rows and more_before else None,
        )
    ordered = queryset.order_by(*order)
    if after:
        ordered = ordered.filter(_beyond(columns, decode_cursor(after, columns), forward=True))
    rows = list(ordered[: size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows=rows,
        next_cursor=encode_cursor(rows[-1], columns) if rows and more_after else None,
        previous_cursor=encode_cursor(rows[0], columns) if rows and after else None,
    )
