"""Database functions the aggregates need, for both SQLite and PostgreSQL."""

import statistics

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, FloatField, Func, IntegerField
from django.dispatch import receiver


class DaysBetween(Func):
    """Whole days from `start` to `end` (two date columns)."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")


class Median(Aggregate):
    """The median: percentile_cont(0.5) on PostgreSQL, a registered aggregate on SQLite."""

    function = "SW_MEDIAN"
    name = "Median"
    output_field = FloatField()
    allow_distinct = False

    def as_postgresql(self, compiler, connection, **extra):
        ordered = self.copy()
        ordered.template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        return ordered.as_sql(compiler, connection, **extra)


class _SqliteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


@receiver(connection_created)
def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("SW_MEDIAN", 1, _SqliteMedian)
