from types import SimpleNamespace

import pytest

from adoption.dashboards.stall_rule import (
    downward_signals,
    explain_stalls,
    judge,
    over_represented,
    xmr,
)


def test_xmr_limits_computed_as_making_data_count_defines_them():
    chart = xmr([10, 12, 8, 11, 9])

    # mean 50/5 = 10; moving ranges 2, 4, 3, 2 → mean 2.75; limits 10 ± 2.66 × 2.75
    assert chart.mean == 10
    assert chart.mean_moving_range == 2.75
    assert chart.upper == pytest.approx(17.315)
    assert chart.lower == pytest.approx(2.685)
    assert chart.trial is True


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


def test_never_moving_group_signals_after_seven_quarters_of_nothing():
    assert downward_signals(xmr([0] * 7))
    assert not downward_signals(xmr([0] * 6))


def falling():
    return [20, 22, 21, 23, 20, 22, 9, 10, 8, 9, 10, 9, 8]


def test_group_flagged_when_half_stalled_and_advances_fall():
    verdict = judge(organisations=10, adopters=1, stalled=5, advances=falling())

    assert verdict.stalling
    assert verdict.reasons[0].startswith("5 of 10 organisations (50%)")
    assert any("early adopters" in reason for reason in verdict.reasons)


def test_group_not_flagged_below_half_stalled():
    assert not judge(organisations=10, adopters=1, stalled=4, advances=falling()).stalling


def test_group_not_flagged_without_a_downward_signal():
    steady = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10]

    assert not judge(organisations=10, adopters=1, stalled=9, advances=steady).stalling


@pytest.mark.parametrize(
    ("case", "organisations", "adopters", "stalled", "advances"),
    [
        ("no organisations in scope", 0, 0, 0, []),
        ("everything embedded", 10, 10, 0, falling()),
        ("everything declined", 10, 0, 0, falling()),
        ("one quarter of history", 10, 0, 10, [4]),
        ("no history at all", 10, 0, 10, []),
    ],
)
def test_edge_cases_are_not_flagged(case, organisations, adopters, stalled, advances):
    verdict = judge(
        organisations=organisations, adopters=adopters, stalled=stalled, advances=advances
    )

    assert not verdict.stalling, case


def test_trial_limits_are_said():
    verdict = judge(organisations=4, adopters=0, stalled=4, advances=[5, 6, 0, 0, 0, 0, 0, 0, 0])

    assert verdict.stalling
    assert any("limits are trial" in reason for reason in verdict.reasons)


def test_over_represented_categories_ranked_by_lift_with_counts():
    names = {1: "Savings land elsewhere", 2: "Workforce capacity", 3: "Procurement"}
    here = {1: 12, 2: 4, 3: 2}
    elsewhere = {1: 5, 2: 40, 3: 15}

    found = over_represented(here, elsewhere, names)

    # Lift with 0.5 added to each count (3 categories): (12.5 / 19.5) / (5.5 / 61.5)
    assert [item.category for item in found] == ["Savings land elsewhere"]
    assert found[0].lift == pytest.approx((12.5 / 19.5) / (5.5 / 61.5))
    assert (found[0].here, found[0].here_total, found[0].elsewhere, found[0].elsewhere_total) == (
        12,
        18,
        5,
        60,
    )
    assert "12 of 18" in found[0].sentence() and "5 of 60" in found[0].sentence()


def test_rare_categories_are_not_named():
    assert over_represented({1: 2}, {1: 0, 2: 50}, {1: "a", 2: "b"}) == []


def cell(innovation, group, *, stalling):
    return SimpleNamespace(
        innovation_id=innovation,
        group=group,
        verdict=SimpleNamespace(stalling=stalling),
        why=[],
    )


def test_explain_stalls_compares_a_stalling_group_with_where_the_innovation_spread():
    names = {1: "Savings land elsewhere", 2: "Workforce capacity"}
    stalling, spread, other_innovation = (
        cell(7, "north", stalling=True),
        cell(7, "south", stalling=False),
        cell(8, "east", stalling=False),
    )
    counts = {
        (7, "north"): {1: 12, 2: 4},
        (7, "south"): {1: 5, 2: 40},
        # Another innovation's barriers are no part of the comparison.
        (8, "east"): {1: 0, 2: 900},
    }

    explain_stalls([stalling, spread, other_innovation], counts, names)

    # Here 12 of 16, where it spread 5 of 45; two categories, each count plus a half.
    (why,) = stalling.why
    assert (why.category, why.here, why.here_total, why.elsewhere, why.elsewhere_total) == (
        "Savings land elsewhere",
        12,
        16,
        5,
        45,
    )
    assert why.lift == pytest.approx((12.5 / 17) / (5.5 / 46))
    assert spread.why == [] and other_innovation.why == []


def test_explain_stalls_without_barriers_names_nothing():
    stalling = cell(7, "north", stalling=True)

    explain_stalls([stalling, cell(7, "south", stalling=False)], {}, {})

    assert stalling.why == []
