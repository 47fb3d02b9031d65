"""Each tallied figure computed from hand-made rows of its tally's shape: what it shows does not
depend on whether the rows came from the tally's table or from counting the records."""

import datetime
import math

import pytest
from scipy.stats import binomtest

from adoption.barriers.models import Adoption, BarrierCategory, EnablerType
from adoption.dashboards import aggregates, tallies
from adoption.dashboards.rows import Rows
from tests.conftest import reseed_taxonomies
from tests.factories import RegionFactory
from tests.unit.dashboards.test_rows import Given

pytestmark = pytest.mark.django_db

Q1, Q2, Q3 = datetime.date(2026, 1, 1), datetime.date(2026, 4, 1), datetime.date(2026, 7, 1)


def made(tally, *rows):
    """Hand-made rows with `tally`'s columns (keys, then counts)."""
    for row in rows:
        assert len(row) == len(tally.columns), row
    dates = [column for column in tally.keys if column in ("quarter", "identified_on")]
    return Rows(tally.columns, [Given(tally.columns, rows)], dates=dates)


@pytest.fixture
def names():
    """Two barrier categories and two enabler types: {name: id}."""
    if not BarrierCategory.objects.exists():
        reseed_taxonomies()
    categories = dict(BarrierCategory.objects.values_list("name", "id"))
    enablers = dict(EnablerType.objects.values_list("name", "id"))
    return {
        "procurement": categories["Procurement"],
        "workforce": categories["Workforce capacity"],
        "pooled": enablers["Pooled budget"],
        "funding": enablers["National funding for local capacity"],
    }


def test_headline_counts_barriers_and_the_open_ones(names):
    rows = made(
        tallies.BARRIERS,
        # region, icb, org type, category, status, barriers, critical, severity total
        (1, 0, "acute_trust", names["procurement"], "open", 4, 1, 9),
        (2, 0, "acute_trust", names["procurement"], "being_addressed", 2, 0, 4),
        (2, 0, "pcn", names["workforce"], "resolved", 5, 0, 10),
    )

    figures = aggregates.headline(Adoption.objects.none(), rows, [])

    assert (figures["barriers"], figures["open_barriers"]) == (11, 6)


def test_heatmap_counts_each_category_in_each_group(names):
    rows = made(
        tallies.BARRIERS,
        (1, 0, "acute_trust", names["procurement"], "open", 4, 1, 9),
        (2, 0, "acute_trust", names["procurement"], "resolved", 2, 0, 4),
        (2, 0, "pcn", names["procurement"], "open", 1, 0, 2),
        (1, 0, "pcn", names["workforce"], "open", 5, 0, 10),
    )

    categories, groups, cells = aggregates.barrier_heatmap(rows, grouping="org_type")

    assert {"Procurement", "Workforce capacity"} <= set(categories)
    assert groups == [("acute_trust", "Acute trust"), ("pcn", "Primary care network")]
    assert cells == {
        ("Procurement", "acute_trust"): 6,
        ("Procurement", "pcn"): 1,
        ("Workforce capacity", "pcn"): 5,
    }


def test_heatmap_keys_regions_by_their_codes_and_names_a_missing_one(names):
    north = RegionFactory(ods_code="Y62", name="North West")
    rows = made(
        tallies.BARRIERS,
        (north.pk, 0, "acute_trust", names["procurement"], "open", 4, 1, 9),
        (0, 0, "acute_trust", names["procurement"], "open", 1, 0, 2),
    )

    _, groups, cells = aggregates.barrier_heatmap(rows, grouping="region")

    assert groups == [("Y62", "North West"), ("not_recorded", "Not recorded")]
    assert cells == {("Procurement", "Y62"): 4, ("Procurement", "not_recorded"): 1}


def test_severity_ranking_counts_open_barriers_by_their_total_severity(names):
    rows = made(
        tallies.BARRIERS,
        (1, 0, "acute_trust", names["procurement"], "open", 4, 1, 9),
        (2, 0, "pcn", names["procurement"], "being_addressed", 2, 0, 4),
        (1, 0, "acute_trust", names["workforce"], "open", 3, 3, 12),
        (1, 0, "acute_trust", names["workforce"], "resolved", 9, 9, 36),
    )

    assert aggregates.severity_ranking(rows) == [
        {"category": "Procurement", "open": 6, "critical": 1, "weighted": 13},
        {"category": "Workforce capacity", "open": 3, "critical": 3, "weighted": 12},
    ]


def test_trend_zero_fills_the_quarters_from_the_first_to_today(names):
    today = datetime.date(2026, 8, 15)
    opened = made(
        tallies.OPENED,
        # region, icb, org type, category, event, quarter, barriers
        (1, 0, "acute_trust", names["procurement"], "opened", Q1, 3),
        (2, 0, "pcn", names["workforce"], "opened", Q1, 1),
        (1, 0, "acute_trust", names["procurement"], "opened", Q3, 2),
    )
    resolved = made(
        tallies.RESOLVED, (1, 0, "acute_trust", names["procurement"], "resolved", Q2, 1)
    )

    trend = aggregates.opened_and_resolved_by_quarter(opened + resolved, today=today)

    assert trend == [
        {"quarter": "2026 Q1", "opened": 4, "resolved": 0},
        {"quarter": "2026 Q2", "opened": 0, "resolved": 1},
        {"quarter": "2026 Q3", "opened": 2, "resolved": 0},
    ]


def test_trend_of_nothing_is_empty():
    assert aggregates.opened_and_resolved_by_quarter(made(tallies.OPENED)) == []


def test_days_to_resolve_counts_open_and_accepted_barriers_as_not_yet_resolved(names):
    today = datetime.date(2026, 8, 15)
    procurement, workforce = names["procurement"], names["workforce"]
    closed = made(
        tallies.RESOLVE_DAYS,
        # region, category, days, closed barriers, of which accepted
        (1, procurement, 5, 1, 0),
        (1, procurement, 8, 2, 0),
        (2, procurement, 12, 1, 0),
        (1, procurement, 20, 1, 0),
        (1, procurement, 6, 1, 1),
        (2, procurement, 30, 1, 1),
        (1, workforce, 4, 2, 0),
    )
    still_open = made(
        tallies.OPEN_SINCE,
        # region, category, identified on, barriers
        (1, procurement, today - datetime.timedelta(days=9), 1),
        (2, procurement, today - datetime.timedelta(days=15), 1),
        (1, procurement, today - datetime.timedelta(days=30), 1),
        (1, workforce, today - datetime.timedelta(days=100), 3),
    )

    rows = aggregates.days_to_resolve(closed, still_open, today=today)

    # Procurement: resolved after 5, 8, 8, 12 and 20 days; not resolved after 6 (accepted),
    # 9, 15 (open), 30 (accepted) and 30 (open). The share not yet resolved falls to
    # 9/10 × 6/8 × 4/5 × 2/3 = 0.36 on day 20, the first time it is at or below one half.
    # Workforce capacity: 2 of 5 resolved, so the median is not reached.
    assert [
        (row["category"], row["median_days"], row["resolved"], row["open"], row["accepted"])
        for row in rows
    ] == [("Procurement", 20, 5, 3, 2), ("Workforce capacity", None, 2, 3, 0)]
    assert rows[0]["median_low"] <= 20 <= (rows[0]["median_high"] or math.inf)


def test_enablers_rate_interval_and_median_days_per_enabler_and_per_category(names):
    pooled, funding = names["pooled"], names["funding"]
    procurement, workforce = names["procurement"], names["workforce"]
    rows = made(
        tallies.ACTIONS,
        # region, category, enabler, outcome, days to completion (-1: under way), actions
        (1, procurement, pooled, "resolved", 20, 1),
        (2, procurement, pooled, "resolved", 40, 1),
        (1, workforce, pooled, "no_effect", 10, 2),
        (1, workforce, pooled, "in_progress", -1, 7),
        (1, workforce, funding, "partly", 15, 1),
    )

    summary, effect = aggregates.enablers(rows)

    wilson = binomtest(2, 4).proportion_ci(method="wilson")
    pooled_row = summary[0]
    assert (pooled_row["enabler"], pooled_row["actions"], pooled_row["resolved"]) == (
        "Pooled budget",
        4,
        2,
    )
    assert pooled_row["rate"] == 0.5
    assert pooled_row["rate_low"] == pytest.approx(wilson.low)
    assert pooled_row["rate_high"] == pytest.approx(wilson.high)
    # Two stopped without resolving and never will: of the four, one resolved after 20 days
    # (three in four left) and one after 40 (half left).
    assert (pooled_row["median_days"], pooled_row["under_way"]) == (40, 7)
    funding_row = summary[1]
    assert (funding_row["enabler"], funding_row["rate"], funding_row["median_days"]) == (
        "National funding for local capacity",
        0,
        None,
    )
    # Ranked by the lower end of the rate's interval; equal ones by rate, then by actions.
    assert [(row["enabler"], row["category"], row["actions"]) for row in effect] == [
        ("Pooled budget", "Procurement", 2),
        ("Pooled budget", "Workforce capacity", 2),
        ("National funding for local capacity", "Workforce capacity", 1),
    ]


def test_enablers_rank_a_sure_rate_above_a_higher_unsure_one(names):
    pooled, funding = names["pooled"], names["funding"]
    rows = made(
        tallies.ACTIONS,
        (1, names["procurement"], pooled, "resolved", 30, 2),
        (1, names["procurement"], funding, "resolved", 30, 45),
        (1, names["procurement"], funding, "no_effect", 30, 15),
    )

    summary, _ = aggregates.enablers(rows)

    # 2 of 2 (100%, from 34%) ranks below 45 of 60 (75%, from 63%).
    assert [row["enabler"] for row in summary] == [
        "National funding for local capacity",
        "Pooled budget",
    ]
    assert summary[0]["rate_low"] > summary[1]["rate_low"]
    assert summary[0]["rate"] < summary[1]["rate"]


def test_advances_per_quarter_before_the_current_one_and_each_groups_first_change():
    today = datetime.date(2026, 8, 15)  # in Q3: Q3's advances are not yet counted
    rows = made(
        tallies.SPREAD,
        # innovation, region, icb, org type, quarter, changes, advances
        (7, 1, 0, "acute_trust", Q1, 2, 0),
        (7, 1, 0, "pcn", Q2, 3, 2),
        (7, 1, 0, "acute_trust", Q3, 1, 1),
        (7, 0, 0, "acute_trust", Q2, 1, 1),
        (8, 1, 0, "acute_trust", Q1, 5, 5),
    )

    series, firsts = aggregates.advances(rows, {(7, 1), (7, None)}, grouping="region", today=today)
    only_region_1, _ = aggregates.advances(rows, {(7, 1), (8, 2)}, grouping="region", today=today)

    assert series == {(7, 1): {Q2: 2}, (7, None): {Q2: 1}}
    assert firsts == {(7, 1): Q1, (7, None): Q2}
    assert only_region_1 == {(7, 1): {Q2: 2}}  # only the groups asked for are read


def test_advances_of_no_innovation_count_nothing():
    rows = made(tallies.SPREAD, (7, 1, 0, "acute_trust", Q1, 2, 1))

    assert aggregates.advances(rows, set(), grouping="region") == ({}, {})
