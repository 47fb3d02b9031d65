"""Calendar quarters, as the dashboards count them."""

import datetime


def quarter_start(day):
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter(day):
    return datetime.date(day.year + (day.month > 9), (day.month + 2) % 12 + 1, 1)


def quarters(first, last):
    """Quarter starts from `first`'s quarter to `last`'s, inclusive."""
    result, current = [], quarter_start(first)
    while current <= last:
        result.append(current)
        current = next_quarter(current)
    return result


def last_complete_quarter(today):
    start = quarter_start(today)
    return quarter_start(start - datetime.timedelta(days=1))


def quarter_label(day):
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"
