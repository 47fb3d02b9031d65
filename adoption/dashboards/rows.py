"""Rows shaped like a tally, and the one way the figures add them up.

A figure never asks where its rows come from. `Rows` are rows with a tally's columns (its keys,
then its counts) from one or more sources: the tally's own table narrowed by the filters, or the
records counted afresh by the query that fills and checks the tally (adoption/dashboards/
tallies.py has both, and `DashboardFilters.rows` chooses). `Rows.sum` adds them up per group in
the database, over the sources' SQL as a subquery, so a figure is one query whichever source
serves it. A source is asked only for the columns a sum needs: counting records by fewer keys
gives the same sums, and the database groups fewer columns.
"""

import datetime

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections


def as_date(value):
    """A date as the database driver gave it: a date, a datetime or (SQLite) ISO text."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def alias(position):
    """The name of a column in a source's SQL: its position, as the name it has in the tally
    may be a field of the records counted."""
    return f"c{position}"


def sql_of(queryset):
    """(sql, params) of a queryset, or None when it can match nothing."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return None


class Rows:
    """Rows with `columns` (a tally's keys, then its counts), from `sources`: each has
    `sql(columns)` giving (sql, params) for those of the columns asked for, in that order and
    named by `alias`, or None for no rows."""

    def __init__(self, columns, sources=(), *, dates=(), using=DEFAULT_DB_ALIAS):
        self.columns = tuple(columns)
        self.sources = tuple(sources)
        self.dates = tuple(sorted(dates))  # the columns holding dates
        self.using = using

    def __repr__(self):
        # Every source's whole SQL: it keys the figures' cache, the same in every process.
        return f"Rows({[source.sql(self.columns) for source in self.sources]!r})"

    def __add__(self, other):
        """The rows of both (UNION ALL): several declarations that fill one table."""
        if other.columns != self.columns or other.using != self.using:
            raise ValueError("Only rows of the same columns and database add up.")
        return Rows(
            self.columns,
            self.sources + other.sources,
            dates={*self.dates, *other.dates},
            using=self.using,
        )

    def _one_row_each(self, group, where):
        """Whether the rows hold at most one row per value of `group`, among those whose other
        key columns each hold the one value `where` asks for: a tally's own table holds one row
        per key."""
        if len(self.sources) != 1:
            return False
        unique = getattr(self.sources[0], "unique", None)
        fixed = {column for column, values in where.items() if len(set(values)) == 1}
        return unique is not None and set(unique) <= {*group, *fixed}

    def sum(self, group, counts, *, named=None, among=None, **where):
        """[(*group values, *sums)]: the `counts` columns summed for each distinct value of the
        `group` key columns (one or more), over the rows whose key column `name` holds one of
        `where[name]`, and, given `among` ((column, …), [(value, …), …]), whose values of those
        columns are together one of the listed tuples. A group column in `named` ({column:
        model}) is given as the `name` of the record it holds the id of. One query; nothing to
        count (no rows, or an empty list of values) runs none."""
        among_columns, among_values = among or ((), None)
        wanted = {*group, *counts, *where, *among_columns}
        needed = [column for column in self.columns if column in wanted]
        parts = [part for part in (source.sql(needed) for source in self.sources) if part]
        if not parts or not all(where.values()) or among_values == []:
            return []
        name = {column: f"tallied.{alias(i)}" for i, column in enumerate(needed)}
        conditions, where_params = [], []
        for column, values in where.items():
            values = list(values)
            conditions.append(f"{name[column]} IN ({', '.join(['%s'] * len(values))})")
            where_params += values
        if among:
            row = ", ".join(["%s"] * len(among_columns))
            listed = ", ".join([f"({row})"] * len(among_values))
            columns = ", ".join(name[column] for column in among_columns)
            conditions.append(f"({columns}) IN (VALUES {listed})")
            where_params += [value for values in among_values for value in values]
        grouped = [name[column] for column in group]
        # Rows already one per group need no adding up.
        one_each = self._one_row_each(group, where)
        sums = [name[column] if one_each else f"SUM({name[column]})" for column in counts]
        sql = (
            f"SELECT {', '.join(f'{g} AS g{i}' for i, g in enumerate(grouped))}, "
            f"{', '.join(f'CAST({s} AS BIGINT) AS s{i}' for i, s in enumerate(sums))}"
            f" FROM ({' UNION ALL '.join(part for part, _ in parts)}) tallied"
            + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
            + ("" if one_each else f" GROUP BY {', '.join(grouped)}")
        )
        if named:
            # Named after counting, so the names join the grouped rows, not every row.
            shown = [f"g{i}" for i in range(len(group))]
            joins = []
            for i, (column, model) in enumerate(named.items()):
                at = group.index(column)
                joins.append(f" JOIN {model._meta.db_table} n{i} ON n{i}.id = counted.g{at}")
                shown[at] = f"n{i}.name"
            sql = (
                f"SELECT {', '.join([*shown, *(f's{i}' for i in range(len(sums)))])}"
                f" FROM ({sql}) counted" + "".join(joins)
            )
        params = [param for _, part_params in parts for param in part_params]
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, [*params, *where_params])
            found = cursor.fetchall()
        # Dates as dates, whatever the driver gave (a datetime from a truncated date, or text).
        dates = [
            i
            for i, column in enumerate(group)
            if column in self.dates and found and type(found[0][i]) is not datetime.date
        ]
        if not dates:
            return found
        return [
            tuple(as_date(value) if i in dates else value for i, value in enumerate(row))
            for row in found
        ]
