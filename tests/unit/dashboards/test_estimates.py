"""Kaplan–Meier and Wilson estimates against worked examples and well-kept libraries."""

import math
import random
from collections import Counter

import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times
from scipy.stats import binomtest

from adoption.dashboards.estimates import _band, _day_by_day, kaplan_meier, wilson_interval


def split(durations, observed):
    resolved = Counter(d for d, seen in zip(durations, observed, strict=True) if seen)
    still_open = Counter(d for d, seen in zip(durations, observed, strict=True) if not seen)
    return resolved, still_open


def lifelines_median(durations, observed):
    fitted = KaplanMeierFitter().fit(durations, observed)
    interval = median_survival_times(fitted.confidence_interval_)

    def day(value):
        return None if math.isinf(value) else int(value)

    return (
        day(fitted.median_survival_time_),
        day(interval.iloc[0, 0]),
        day(interval.iloc[0, 1]),
    )


def test_open_barriers_lengthen_the_median_they_would_shorten_if_ignored():
    # Four resolved quickly; six still open after a year.
    resolved, still_open = {10: 2, 20: 2}, {365: 6}

    survival = kaplan_meier(resolved, still_open)
    resolved_only = kaplan_meier(resolved, {})

    assert resolved_only.median == 10
    assert survival.median is None  # fewer than half have resolved: "not reached"
    assert (survival.resolved, survival.still_open) == (4, 6)


def test_a_worked_example():
    # Ten barriers: resolved after 5, 8, 8, 12 and 20 days; open after 6, 9, 15, 30, 30.
    # Share open: after 5 days 9/10; after 8, 9/10 × 6/8 = 0.675; after 12, 0.675 × 4/5 = 0.54;
    # after 20, 0.54 × 2/3 = 0.36: the median is 20 days.
    survival = kaplan_meier({5: 1, 8: 2, 12: 1, 20: 1}, {6: 1, 9: 1, 15: 1, 30: 2})

    assert survival.median == 20


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("censored", [0.3, 0.7])
def test_median_and_interval_agree_with_lifelines_to_the_day(seed, censored):
    rng = random.Random(seed)
    size = rng.randint(5, 400)
    durations = [int(rng.expovariate(1 / 200)) + rng.randint(0, 3) for _ in range(size)]
    observed = [rng.random() >= censored for _ in range(size)]

    survival = kaplan_meier(*split(durations, observed))

    assert (survival.median, survival.low, survival.high) == lifelines_median(durations, observed)


def test_nothing_resolved_is_not_reached():
    assert kaplan_meier({}, {40: 3}).median is None
    assert kaplan_meier({}, {}).total == 0


@pytest.mark.parametrize(("part", "whole"), [(0, 1), (2, 2), (7, 7), (741, 741), (3, 10)])
def test_wilson_interval_matches_scipy(part, whole):
    expected = binomtest(part, whole).proportion_ci(method="wilson")

    rate = wilson_interval(part, whole)

    assert rate.low == pytest.approx(expected.low, abs=1e-9)
    assert rate.high == pytest.approx(expected.high, abs=1e-9)


def test_two_of_two_is_not_as_sure_as_seven_hundred_of_seven_hundred():
    assert wilson_interval(2, 2).low < 0.35 < wilson_interval(741, 741).low
    assert wilson_interval(0, 0).value is None


def test_barriers_that_will_never_resolve_keep_the_median_from_looking_quick():
    # 2 of 10 resolved at day 100; 8 closed without being resolved. Counted as censored they
    # would give a median of 100 days; counted as never resolving, fewer than half resolve.
    assert kaplan_meier({100: 2}, {}, never=8).median is None
    survival = kaplan_meier({100: 6}, {}, never=4)
    assert (survival.median, survival.total) == (100, 10)


@pytest.mark.parametrize("seed", range(40))
def test_with_none_still_open_the_quick_path_finds_the_days_the_day_by_day_walk_does(seed):
    rng = random.Random(seed)
    total = rng.choice([3, 20, 200, 3000])
    resolved = Counter(rng.randint(0, 900) for _ in range(rng.randint(1, total)))
    never = rng.randint(0, total)

    assert kaplan_meier(resolved, {}, never) == _day_by_day(resolved, {}, never)


@pytest.mark.parametrize("total", [2, 3, 10, 57, 400, 5000])
def test_with_none_still_open_both_bands_fall_as_more_resolve(total):
    # What lets the quick path halve its way to each day rather than walk every one.
    bands = [_band((total - c) / total, c / (total * (total - c))) for c in range(1, total)]
    lower, upper = zip(*bands, strict=True)
    assert list(lower) == sorted(lower, reverse=True)
    assert list(upper) == sorted(upper, reverse=True)
