"""Pagination that never counts a million rows to draw a page: keyset pages for long lists and
estimated counts for large results."""

import datetime
import json
import re
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property

# Rows are told apart within a day by their public id, a short hexadecimal string.
PUBLIC_ID_PATTERN = "[0-9a-f]{1,32}"

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


def encode_cursor(row):
    return f"{row.identified_on.isoformat()}.{row.public_id}"


def decode_cursor(text):
    try:
        day, public_id = text.split(".")
        if not re.fullmatch(PUBLIC_ID_PATTERN, public_id):
            raise ValueError(public_id)
        return datetime.date.fromisoformat(day), public_id
    except ValueError:
        raise BadCursor(f"{text!r} is not a page position.") from None


def newest_first_page(queryset, *, after=None, before=None, size=50):
    """One page of rows ordered newest first by (identified_on, public_id), starting after or
    ending before a cursor: an index range scan however deep the page."""
    if after and before:
        raise BadCursor("Give either after or before, not both.")
    if before:
        day, public_id = decode_cursor(before)
        rows = list(
            # The first condition bounds an index range scan; the second trims the boundary day.
            queryset.filter(
                Q(identified_on__gte=day), Q(identified_on__gt=day) | Q(public_id__gt=public_id)
            ).order_by("identified_on", "public_id")[: size + 1]
        )
        more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        return KeysetPage(
            rows=rows,
            next_cursor=encode_cursor(rows[-1]) if rows else None,
            previous_cursor=encode_cursor(rows[0]) if rows and more_before else None,
        )
    ordered = queryset.order_by("-identified_on", "-public_id")
    if after:
        day, public_id = decode_cursor(after)
        ordered = ordered.filter(
            Q(identified_on__lte=day), Q(identified_on__lt=day) | Q(public_id__lt=public_id)
        )
    rows = list(ordered[: size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows=rows,
        next_cursor=encode_cursor(rows[-1]) if rows and more_after else None,
        previous_cursor=encode_cursor(rows[0]) if rows and after else None,
    )
