"""Rows shaped like a tally are added up in the database, whichever source gave them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adoption.barriers.models import Barrier, BarrierCategory
from adoption.dashboards import tallies
from adoption.dashboards.rows import Rows, as_date

pytestmark = pytest.mark.django_db

COLUMNS = ("region_id", "category_id", "status", "quarter", "barriers", "critical")


class Given:
    """Hand-made rows as a source of `Rows`: literal SELECTs joined by UNION ALL."""

    def __init__(self, columns, rows):
        self.columns, self.rows, self.asked = columns, rows, []

    def sql(self, wanted):
        self.asked.append(list(wanted))
        if not self.rows:
            return None
        select = "SELECT " + ", ".join(f"%s AS c{i}" for i in range(len(wanted)))
        positions = [self.columns.index(column) for column in wanted]
        params = [row[at] for row in self.rows for at in positions]
        return " UNION ALL ".join([select] * len(self.rows)), params


def made(rows, columns=COLUMNS, dates=("quarter",)):
    return Rows(columns, [Given(columns, rows)], dates=dates)


Q1, Q2 = datetime.date(2026, 1, 1), datetime.date(2026, 4, 1)
ROWS = [
    (1, 10, "open", Q1, 3, 1),
    (1, 10, "resolved", Q1, 2, 0),
    (1, 11, "open", Q2, 4, 2),
    (2, 10, "open", Q2, 5, 0),
]


def test_sum_adds_the_counts_up_per_group():
    rows = made(ROWS)

    assert sorted(rows.sum(["region_id"], ["barriers", "critical"])) == [(1, 9, 3), (2, 5, 0)]
    assert sorted(rows.sum(["category_id", "status"], ["barriers"])) == [
        (10, "open", 8),
        (10, "resolved", 2),
        (11, "open", 4),
    ]


def test_sum_keeps_only_rows_whose_columns_hold_the_values_given():
    rows = made(ROWS)

    assert sorted(rows.sum(["region_id"], ["barriers"], status=["open"])) == [(1, 7), (2, 5)]
    assert rows.sum(["region_id"], ["barriers"], status=["open"], category_id=[11]) == [(1, 4)]


def test_sum_keeps_only_rows_whose_columns_together_hold_one_of_the_tuples_given():
    rows = made(ROWS)
    pairs = (("region_id", "category_id"), [(1, 11), (2, 10), (2, 11)])

    assert sorted(rows.sum(["region_id", "category_id"], ["barriers"], among=pairs)) == [
        (1, 11, 4),
        (2, 10, 5),
    ]
    assert rows.sum(["region_id"], ["barriers"], among=pairs, status=["resolved"]) == []
    assert rows.sum(["region_id"], ["barriers"], among=(("region_id",), [])) == []


def test_sum_gives_dates_as_dates():
    assert sorted(made(ROWS).sum(["quarter"], ["barriers"])) == [(Q1, 5), (Q2, 9)]


def test_rows_of_two_declarations_add_up_as_one():
    both = made(ROWS[:2]) + made(ROWS[2:])

    assert sorted(both.sum(["region_id"], ["barriers"])) == [(1, 9), (2, 5)]


def test_only_rows_of_the_same_columns_add_up():
    with pytest.raises(ValueError):
        made(ROWS) + made([(1, 2)], columns=("region_id", "barriers"), dates=())


def test_a_group_column_can_be_given_by_name():
    procurement = BarrierCategory.objects.create(name="Procurement (test)", slug="procure-test")
    workforce = BarrierCategory.objects.create(name="Workforce (test)", slug="workforce-test")
    rows = made([(1, procurement.pk, "open", Q1, 3, 1), (2, workforce.pk, "open", Q1, 2, 0)])

    summed = rows.sum(["category_id"], ["barriers"], named={"category_id": BarrierCategory})

    assert sorted(summed) == [("Procurement (test)", 3), ("Workforce (test)", 2)]


def test_a_source_is_asked_only_for_the_columns_a_sum_needs():
    given = Given(COLUMNS, ROWS)

    Rows(COLUMNS, [given]).sum(["status"], ["critical"], region_id=[1])

    assert given.asked == [["region_id", "status", "critical"]]


def test_nothing_to_count_runs_no_query():
    nothing = tallies.BARRIERS.rows(records=Barrier.objects.none())

    with CaptureQueriesContext(connection) as queries:
        assert made([]).sum(["region_id"], ["barriers"]) == []
        assert made(ROWS).sum(["region_id"], ["barriers"], status=[]) == []
        assert nothing.sum(["region_id"], ["barriers"]) == []

    assert len(queries) == 0


def test_one_query_whatever_the_rows():
    with CaptureQueriesContext(connection) as queries:
        made(ROWS * 10).sum(["region_id", "status"], ["barriers"], category_id=[10, 11])

    assert len(queries) == 1


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(2026, 4, 1),
        datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
        "2026-04-01",
        "2026-04-01 00:00:00",
    ],
)
def test_a_date_from_any_driver_is_a_date(value):
    assert as_date(value) == datetime.date(2026, 4, 1)
