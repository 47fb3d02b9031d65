"""Medians from tallied values are the medians of the records the tally counted."""

import statistics
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adoption.dashboards.aggregates import weighted_median


@pytest.mark.parametrize(
    "days",
    [[5], [10, 20], [1, 1, 1, 9], [3, 3, 8, 8, 8, 40], [0, 2, 2, 2, 7, 7, 30, 31, 31]],
)
def test_median_of_tallied_days(days):
    assert weighted_median(Counter(days)) == statistics.median(days)


@given(st.lists(st.integers(min_value=-1, max_value=2000), min_size=1, max_size=60))
def test_median_of_any_tally_equals_the_median_of_its_records(values):
    assert weighted_median(Counter(values)) == statistics.median(values)


def test_nothing_tallied_has_no_median():
    assert weighted_median({}) is None
    assert weighted_median({4: 0}) is None
