"""Pagination that never counts a million rows just to draw page links."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many rows an exact COUNT is cheap enough to run.
EXACT_COUNT_BELOW = 100_000


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL, an unfiltered list is counted from the planner's estimate
    (`pg_class.reltuples`, kept fresh by autovacuum) once the table is large; a filtered list,
    a small table and SQLite get an exact count."""

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
