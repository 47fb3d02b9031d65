import random
from types import SimpleNamespace

import pytest
from scipy import stats

from adoption.dashboards.estimates import TimesToResolve
from adoption.dashboards.stall_rule import (
    HIGH,
    LOW,
    MIN_BARRIERS,
    Why,
    binomial_cdf,
    downward_signals,
    explain_stalls,
    find_stop,
    judge,
    log_odds_z,
    over_represented,
    special_causes,
    why_not,
    xmr,
)

# --- the XmR chart -------------------------------------------------------------------------


def test_xmr_limits_computed_as_making_data_count_defines_them():
    chart = xmr([10, 12, 8, 11, 9])

    # mean 50/5 = 10; moving ranges 2, 4, 3, 2 → mean 2.75; limits 10 ± 2.66 × 2.75
    assert chart.mean == 10
    assert chart.mean_moving_range == 2.75
    assert chart.upper == pytest.approx(17.315)
    assert chart.lower == pytest.approx(2.685)
    assert chart.trial is True
    assert not chart.fixed


def test_xmr_limits_fixed_on_a_baseline_ignore_the_points_after_it():
    chart = xmr([10, 12, 8, 11, 9, 0, 0, 0], baseline=range(5))

    assert (chart.mean, chart.mean_moving_range) == (10, 2.75)
    assert chart.fixed and len(chart.points) == 8


def test_xmr_needs_two_points_and_is_trial_below_twelve():
    assert xmr([5]) is None
    assert xmr([]) is None
    assert xmr([5] * 12).trial is False
    assert xmr([5] * 11).trial is True


def test_point_below_lower_limit_is_a_signal():
    chart = xmr([10, 11, 10, 9, 10, 11, 10, 0])

    assert any("below the lower process limit" in s for s in downward_signals(chart))


def test_seven_points_below_the_mean_is_a_signal():
    series = [20, 22, 21, 23, 20, 22, 9, 10, 8, 9, 10, 9, 8]

    signals = downward_signals(xmr(series))

    assert any("last 7 quarters were all below the average" in s for s in signals)


def test_six_points_below_the_mean_is_not_a_run():
    series = [20, 22, 21, 23, 20, 22, 19, 10, 9, 10, 8, 9, 10]

    signals = downward_signals(xmr(series))

    assert not any("all below the average" in s for s in signals)


def test_seven_falling_points_is_a_trend():
    series = [30, 31, 29, 30, 28, 27, 26, 25, 24, 23, 22]

    assert any("fell in each of the last 7" in s for s in downward_signals(xmr(series)))


def test_two_of_three_near_the_lower_limit_is_a_signal():
    series = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 6, 10, 6]
    chart = xmr(series)

    # Both 6s sit between the lower limit (4.9) and two-thirds of the way down to it (6.5).
    assert chart.lower < 6 < chart.lower_two_thirds
    assert downward_signals(chart) == [
        "2 of the last 3 quarters were more than two-thirds of the way down to the lower "
        "process limit (below 6.5)"
    ]


def test_a_steady_process_has_no_signal():
    assert downward_signals(xmr([10, 11, 9, 10, 11, 9, 10, 11, 9, 10])) == []


def test_special_causes_mark_each_point_as_making_data_count_colours_it():
    # Limits fixed on the first 8 quarters (mean 10, mean moving range 1): 7.34 to 12.66.
    series = [10, 11, 10, 9, 10, 11, 10, 9, 20, 10, 0]
    marks = special_causes(xmr(series, baseline=range(8)))

    assert marks[8] == HIGH  # above the upper limit: an improvement
    assert marks[10] == LOW  # below the lower limit: a concern
    assert marks[:8] == [None] * 8 and marks[9] is None


def test_special_causes_mark_a_run_on_one_side_of_the_mean():
    series = [10, 11, 9, 10, 11, 9, 10, 8, 8, 8, 8, 8, 8, 8]
    marks = special_causes(xmr(series, baseline=range(7)))

    assert marks[7:] == [LOW] * 7
    assert marks[:7] == [None] * 7


def test_with_limits_fixed_on_a_baseline_only_the_quarters_after_it_are_judged():
    # The worked example of docs/stall-rule.md: its steady baseline sits above its mean for
    # 7 quarters, which is no signal about the stop.
    series = [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0]
    marks = special_causes(xmr(series, baseline=range(2, 14)))

    assert marks[:14] == [None] * 14
    assert marks[14:] == [LOW] * 7


# --- a stop after an active baseline -----------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "q"), [(0, 120, 0.25), (3, 40, 0.3), (10, 30, 0.5), (0, 2, 0.1)]
)
def test_binomial_cdf_agrees_with_scipy(k, n, q):
    assert binomial_cdf(k, n, q) == pytest.approx(stats.binom.cdf(k, n, q), rel=1e-9, abs=1e-300)


def active(quarters, rate=10):
    return [rate + (i % 3) - 1 for i in range(quarters)]  # 9, 10, 11, …


@pytest.mark.parametrize("age", [4, 5, 8, 12, 20])
def test_a_stop_after_an_active_baseline_is_found_at_any_age(age):
    stop = find_stop([*active(12), *[0] * age])

    assert stop is not None
    assert (stop.start, stop.quarters, stop.advances) == (12, age, 0)
    assert stop.rate == pytest.approx(10)
    # None of the 120 advances of baseline and stop fell in the stop's share of the quarters.
    assert stop.p_value == pytest.approx((12 / (12 + age)) ** 120)


def test_a_stop_is_not_called_before_four_complete_quarters():
    assert find_stop([*active(12), 0, 0, 0]) is None


def test_a_slow_stop_is_found_when_chance_cannot_explain_it():
    # One or two advances a quarter for three years (16), then nothing for two and a half.
    series = [1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, *[0] * 10]

    stop = find_stop(series)

    assert stop.start == 12 and stop.quarters == 10
    # All 16 advances fell in the 12 baseline quarters of 22: (12/22)^16, under 1 in 10,000.
    assert stop.p_value == pytest.approx((12 / 22) ** 16)


def test_a_short_stop_after_a_quiet_baseline_is_left_to_chance():
    # The same 16 advances, then 6 empty quarters: (12/18)^16 ≈ 0.0015, not rare enough.
    assert find_stop([1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, *[0] * 6]) is None


@pytest.mark.parametrize(
    ("shape", "series"),
    [
        ("slow but steady", [1, 0, 1, 1, 0, 2, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0]),
        ("late launch", [0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 5, 8]),
        ("dip that recovered", [8, 9, 10, 9, 0, 0, 0, 9, 10, 8, 9, 10]),
        ("a slowdown, not a stop", [*active(12), 5, 4, 6, 5, 4]),
        ("never started", [0] * 20),
        ("too little history", [10, 10, 10, 0, 0, 0, 0]),
    ],
)
def test_decoys_have_no_stop(shape, series):
    assert find_stop(series) is None, shape


def test_steady_noisy_groups_are_almost_never_taken_for_a_stop():
    # Advances at a steady rate, from half an advance a quarter to 20, for 2 to 10 years.
    rng = random.Random(20261129)
    flagged = 0
    for _ in range(3000):
        rate = rng.choice([0.5, 1, 1.5, 2, 5, 10, 20])
        series = [stats.poisson.ppf(rng.random(), rate) for _ in range(rng.randint(8, 40))]
        flagged += find_stop(series) is not None
    assert flagged <= 3000 * 0.01


def test_a_baseline_too_quiet_to_call_active_has_no_stop():
    # 11 advances over 12 quarters, then none for 8: no active baseline to stop from.
    assert find_stop([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, *[0] * 8]) is None


# --- the verdict on one group ------------------------------------------------------------


def stopped():
    return [*active(12), 0, 0, 0, 0, 0]


def test_group_flagged_when_half_stalled_and_advances_stopped():
    verdict = judge(organisations=10, adopters=1, stalled=5, advances=stopped())

    assert verdict.stalling and verdict.status == "Stalling"
    assert verdict.reasons[0].startswith("5 of 10 organisations (50%)")
    assert verdict.reasons[1].startswith(
        "0 advances in the last 5 quarters, against 50 expected at the rate of the 12 "
        "quarters before (10.0 a quarter)"
    )
    assert any("early adopters" in reason for reason in verdict.reasons)
    # The chart's limits are fixed on the baseline, so the stop itself cannot widen them.
    assert verdict.chart.baseline == range(12)
    assert verdict.reasons[2].startswith(
        "on the XmR chart, with its limits fixed on those 12 quarters: the latest quarter "
        "(0 advances) fell below the lower process limit"
    )


def test_group_not_flagged_below_half_stalled():
    verdict = judge(organisations=10, adopters=1, stalled=4, advances=stopped())

    assert not verdict.stalling
    assert why_not(verdict) == ["4 of 10 organisations are stalled: fewer than half"]


def test_group_not_flagged_without_a_stop():
    steady = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10]

    verdict = judge(organisations=10, adopters=1, stalled=9, advances=steady)

    assert not verdict.stalling
    assert "its advances have not stopped" in why_not(verdict)[0]


def test_a_group_too_small_to_judge_is_shown_as_such_never_flagged():
    verdict = judge(organisations=4, adopters=0, stalled=4, advances=stopped())

    assert not verdict.stalling
    assert verdict.too_small and verdict.shows_stall
    assert verdict.status == "Too few organisations to judge"
    assert "too small to judge (at least 5 are needed)" in why_not(verdict)[0]


@pytest.mark.parametrize(
    ("case", "organisations", "adopters", "stalled", "advances"),
    [
        ("no organisations in scope", 0, 0, 0, []),
        ("everything embedded", 10, 10, 0, stopped()),
        ("everything declined", 10, 0, 0, stopped()),
        ("one quarter of history", 10, 0, 10, [4]),
        ("no history at all", 10, 0, 10, []),
    ],
)
def test_edge_cases_are_not_flagged(case, organisations, adopters, stalled, advances):
    verdict = judge(
        organisations=organisations, adopters=adopters, stalled=stalled, advances=advances
    )

    assert not verdict.stalling and not verdict.too_small, case


# --- why: over-represented barriers ------------------------------------------------------


def test_log_odds_z_gives_the_worked_example_of_the_stall_rule_document():
    # docs/stall-rule.md, worked by hand: 12 of 12 here against 0 of 16 where it spread, 14
    # categories; prior 10 × 13 / 42 = 3.10, δ = 0.79 + 2.00 = 2.78, z = 2.78 / 0.624 = 4.46.
    z = log_odds_z({1: 12}, {2: 16}, list(range(1, 15)))

    assert z[1] == pytest.approx(4.46, abs=0.01)


def test_log_odds_z_weighs_evidence_not_only_shares():
    categories = [1, 2]
    few = log_odds_z({1: 3, 2: 1}, {1: 1, 2: 3}, categories)
    many = log_odds_z({1: 300, 2: 100}, {1: 100, 2: 300}, categories)
    swapped = log_odds_z({1: 1, 2: 3}, {1: 3, 2: 1}, categories)

    # The same shares with a hundred times the barriers are far surer; the sides swapped,
    # the sign turns.
    assert 0 < few[1] < 1.96 < many[1]
    assert swapped[1] == pytest.approx(-few[1])


def test_over_represented_categories_ranked_by_z_with_counts():
    names = {1: "Savings land elsewhere", 2: "Workforce capacity", 3: "Procurement"}
    here = {1: 12, 2: 4, 3: 2}
    elsewhere = {1: 5, 2: 40, 3: 15}

    found = over_represented(here, elsewhere, names)

    assert [item.category for item in found] == ["Savings land elsewhere"]
    assert found[0].z == pytest.approx(log_odds_z(here, elsewhere, [1, 2, 3])[1])
    assert (found[0].here, found[0].here_total, found[0].elsewhere, found[0].elsewhere_total) == (
        12,
        18,
        5,
        60,
    )
    assert (
        found[0]
        .sentence()
        .startswith(
            "“Savings land elsewhere”: 12 of 18 barriers here (67%) against 5 of 60 where it "
            "spread (8%); z = "
        )
    )


def test_a_share_no_larger_than_chance_gives_is_not_named():
    # 3 of 6 here against 40 of 100 where it spread: a larger share, but not beyond chance.
    assert over_represented({1: 3, 2: 3}, {1: 40, 2: 60}, {1: "a", 2: "b"}) == []


def test_rare_categories_and_thin_groups_are_not_named():
    assert over_represented({1: 2, 2: 5}, {1: 0, 2: 50}, {1: "a", 2: "b"}) == []
    assert over_represented({1: MIN_BARRIERS - 1}, {2: 50}, {1: "a", 2: "b"}) == []


def cell(innovation, group, *, stalling=False, too_small=False, spread=None):
    shows_stall = stalling or too_small
    return SimpleNamespace(
        innovation_id=innovation,
        group=group,
        verdict=SimpleNamespace(
            stalling=stalling,
            shows_stall=shows_stall,
            spread=not shows_stall if spread is None else spread,
        ),
        why=None,
    )


def test_explain_stalls_compares_with_where_the_innovation_spread_nationally():
    names = {1: "Savings land elsewhere", 2: "Workforce capacity"}
    stalling = cell(7, "north", stalling=True)
    national = [
        stalling,
        cell(7, "south"),
        cell(7, "west"),
        # A group too small to judge but showing the stall is no baseline of spread, nor one
        # where it never got past the early adopters.
        cell(7, "east", too_small=True),
        cell(7, "north-east", spread=False),
        # Nor is another innovation.
        cell(8, "south"),
    ]
    here = {(7, "north"): {1: 12, 2: 4}}
    elsewhere = {
        (7, "north"): {1: 1, 2: 1},  # the viewer's filters decide the group's own counts
        (7, "south"): {1: 3, 2: 25},
        (7, "west"): {1: 2, 2: 15},
        (7, "east"): {1: 30},
        (7, "north-east"): {1: 30},
        (8, "south"): {2: 900},
    }

    explain_stalls([stalling], national, here, elsewhere, names)

    why = stalling.why
    assert (why.here, why.elsewhere, why.spread_groups) == ({1: 12, 2: 4}, {1: 5, 2: 40}, 2)
    assert [item.category for item in why.categories] == ["Savings land elsewhere"]
    assert why.sentence("region").startswith(
        "Compared with the 2 regions where it spread, nationally (45 barriers), "
        "over-represented here: “Savings land elsewhere”: 12 of 16"
    )


def test_a_why_says_when_there_are_too_few_barriers_and_when_nothing_stands_out():
    too_few = Why(categories=[], here={1: 2}, elsewhere={1: 9}, spread_groups=3)
    nothing = Why(categories=[], here={1: 6, 2: 6}, elsewhere={1: 50, 2: 50}, spread_groups=3)

    assert too_few.sentence("ICB") == (
        "Too few barriers to say why: 2 logged here (at least 5 are needed)."
    )
    assert nothing.sentence("ICB") == (
        "Compared with the 3 ICBs where it spread, nationally (100 barriers), no barrier "
        "category stands out among the 12 barriers logged here (none reaches z = 1.96)."
    )


def test_a_category_as_common_where_it_spread_is_not_named():
    # Filtered to one category, every barrier on both sides is in it: 100% against 100%.
    names = {c: str(c) for c in range(1, 15)}

    assert over_represented({1: 30}, {1: 5}, names) == []


def test_times_to_resolve_count_each_status_by_one_rule():
    times = TimesToResolve()
    for status, days, n in [
        ("resolved", 100, 2),
        ("open", 40, 3),
        ("being_addressed", 400, 1),
        ("accepted", 10, 4),
    ]:
        times.add(status, days, n)

    # Resolved: events; open or being addressed: censored; accepted: never resolved.
    assert (times.still_open, times.accepted) == (4, 4)
    survival = times.survival
    assert (survival.resolved, survival.still_open, survival.never, survival.total) == (
        2,
        4,
        4,
        10,
    )
    assert survival.median is None  # 2 of 10 resolved


def test_one_category_alone_has_nothing_to_compare():
    assert log_odds_z({1: 8}, {1: 8}, [1]) == {1: 0.0}
    assert over_represented({1: 8}, {1: 8}, {1: "a"}) == []
