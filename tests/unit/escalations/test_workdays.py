"""Working days skip weekends and England's bank holidays (dates counted by hand from the
published 2026 bank holidays: Good Friday 3 April, Easter Monday 6 April, spring bank holiday
25 May, Christmas Day, and Boxing Day observed on Monday 28 December)."""

import datetime

import pytest

from adoption.escalations.models import due_dates
from adoption.escalations.workdays import add_working_days, is_working_day

D = datetime.date


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 3, 2), 3, D(2026, 3, 5)),  # Monday → Thursday
        (D(2026, 3, 6), 3, D(2026, 3, 11)),  # Friday → Wednesday, over a weekend
        (D(2026, 3, 7), 1, D(2026, 3, 9)),  # from a Saturday, Monday is the first
        (D(2026, 4, 2), 3, D(2026, 4, 9)),  # over Easter: Good Friday, weekend, Easter Monday
        (D(2026, 5, 22), 3, D(2026, 5, 28)),  # over the spring bank holiday weekend
        (D(2026, 4, 2), 20, D(2026, 5, 5)),  # over Easter and the early May bank holiday
        (D(2026, 12, 18), 20, D(2027, 1, 20)),  # over Christmas, Boxing Day and New Year
    ],
)
def test_add_working_days_skips_weekends_and_bank_holidays(start, days, expected):
    assert add_working_days(start, days) == expected


def test_bank_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(D(2026, 4, 3))  # Good Friday
    assert not is_working_day(D(2026, 12, 28))  # Boxing Day, observed
    assert not is_working_day(D(2026, 3, 7))  # a Saturday
    assert is_working_day(D(2026, 3, 9))


def test_due_dates_follow_the_settings(settings):
    assert due_dates(D(2026, 4, 2)) == (D(2026, 4, 9), D(2026, 5, 5))

    settings.ESCALATION_ACKNOWLEDGE_WORKING_DAYS = 1
    settings.ESCALATION_RESPOND_WORKING_DAYS = 5

    assert due_dates(D(2026, 4, 2)) == (D(2026, 4, 7), D(2026, 4, 13))
