"""Working days: Monday to Friday, less England's bank holidays (from the `holidays` library,
which follows the published dates, substitute days included)."""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _bank_holidays(year):
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day):
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start, days):
    """The date `days` working days after `start`: 3 working days after a Friday is the
    Wednesday, or the Thursday when that Monday is a bank holiday."""
    day = start
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
