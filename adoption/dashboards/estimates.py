"""Estimates that stay honest on small and incomplete counts: pure functions of counts, so
they can be checked case by case and against well-kept statistics libraries.

- `kaplan_meier`: time to resolve when some barriers are still open. A median taken over the
  resolved ones only looks fast wherever most stay open for years; Kaplan–Meier counts each
  open barrier as known to have lasted at least as long as it has (right-censored).
- `wilson_interval`: a rate with a 95% interval that does not claim 100% from 2 of 2.
"""

import bisect
import itertools
import math
from collections import Counter
from dataclasses import dataclass, field

from adoption.barriers.models import OPEN_STATUSES, BarrierStatus

Z95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval
HALF = 0.5 + 1e-9  # one half, allowing for rounding in a product of many fractions


@dataclass(frozen=True)
class Survival:
    """Days to resolve, as Kaplan–Meier estimates them.

    `median` is None where fewer than half have resolved ("not reached"); `low` and `high` bound
    it with 95% confidence (`high` None: not reached either)."""

    median: int | None
    low: int | None
    high: int | None
    resolved: int
    still_open: int
    never: int = 0  # closed without being resolved

    @property
    def total(self):
        return self.resolved + self.still_open + self.never


def kaplan_meier(resolved_after, open_for, never=0):
    """Median days to resolve from {days: how many resolved after that many days},
    {days: how many are still open after that many days} and how many will `never` resolve
    (closed without being resolved: they stay in the count of those not resolved throughout,
    as if watched for ever, so a kind seldom resolved does not look quick).

    The median is the first day on which the estimated share still open falls to one half or
    below. Its interval comes from the pointwise 95% interval of that share, with Greenwood's
    variance on the log(−log) scale (the exponential Greenwood formula): the first days on
    which the interval's upper and lower bands fall to one half.
    """
    if not any(open_for.values()):
        return _uncensored(resolved_after, never)
    return _day_by_day(resolved_after, open_for, never)


def _day_by_day(resolved_after, open_for, never):
    """`kaplan_meier`, walking the days in order."""
    resolved = sum(resolved_after.values())
    still_open = sum(open_for.values())
    at_risk = resolved + still_open + never
    share = 1.0
    greenwood = 0.0
    median = low = high = None
    for day in sorted(resolved_after.keys() | open_for.keys()):
        ended = resolved_after.get(day, 0)
        if ended:
            share *= 1 - ended / at_risk
            if at_risk > ended:
                greenwood += ended / (at_risk * (at_risk - ended))
            # The lower band is below the share and the upper above it: the lower falls to one
            # half first, then the share, then the upper. Each band is worked out only while
            # it may be the next to fall (most days, neither is).
            if low is None and _band(share, greenwood)[0] <= HALF:
                low = day
            if median is None and share <= HALF:
                median = day
            if median is not None and _band(share, greenwood)[1] <= HALF:
                high = day
                break  # the last of the three to fall to one half: the rest change none
        # Those resolved on this day and those last seen open on it both leave the risk set.
        at_risk -= ended + open_for.get(day, 0)
    return Survival(median, low, high, resolved, still_open, never)


def _uncensored(resolved_after, never):
    """`kaplan_meier` when none is still open, as for enabler actions (each either resolved
    its barrier or never will), in a few steps per estimate rather than one per day.

    Of N in all, after c have resolved the share not resolved is (N − c)/N, and Greenwood's
    sum telescopes to c / (N (N − c)). Both bands fall as c grows (checked for every c up to
    N in tests), so the first day each falls to one half is the first on which c reaches the
    least count at which it does, found by halving."""
    days = sorted(resolved_after)
    reached = list(itertools.accumulate(resolved_after[day] for day in days))
    resolved = reached[-1] if reached else 0
    total = resolved + never

    def share(c):
        return (total - c) / total

    def bands(c):
        return _band(share(c), c / (total * (total - c)) if c < total else 0.0)

    def first_day(falls):
        """The first day on which `falls(c)` holds of the count c resolved by then."""
        if not resolved or not falls(resolved):
            return None
        low, high = 1, resolved
        while low < high:
            middle = (low + high) // 2
            if falls(middle):
                high = middle
            else:
                low = middle + 1
        return days[bisect.bisect_left(reached, low)]

    return Survival(
        median=first_day(lambda c: share(c) <= HALF),
        low=first_day(lambda c: bands(c)[0] <= HALF),
        high=first_day(lambda c: bands(c)[1] <= HALF),
        resolved=resolved,
        still_open=0,
        never=never,
    )


@dataclass
class TimesToResolve:
    """Barriers counted towards a Kaplan–Meier time to resolve, by status: the one rule every
    page follows. A resolved barrier resolved after its days; one still open is censored at
    the days it has been open so far; one accepted (closed without being resolved) never
    resolves."""

    resolved_after: Counter = field(default_factory=Counter)  # days -> barriers
    open_for: Counter = field(default_factory=Counter)  # days open so far -> barriers
    accepted: int = 0

    def add(self, status, days, n):
        if status == BarrierStatus.RESOLVED:
            self.resolved_after[days] += n
        elif status in OPEN_STATUSES:
            self.open_for[days] += n
        elif status == BarrierStatus.ACCEPTED:
            self.accepted += n

    def add_closed(self, days, closed, accepted):
        """`closed` barriers closed `days` after being identified, `accepted` of them without
        being resolved (the rest resolved)."""
        if closed > accepted:
            self.resolved_after[days] += closed - accepted
        self.accepted += accepted

    def add_open_since(self, identified_on, today, n):
        """`n` barriers identified on a day and still open today."""
        self.open_for[(today - identified_on).days] += n

    @property
    def still_open(self):
        return sum(self.open_for.values())

    @property
    def survival(self):
        return kaplan_meier(self.resolved_after, self.open_for, never=self.accepted)


def _band(share, greenwood):
    """The pointwise 95% interval of a survival share (exponential Greenwood)."""
    if share <= 0:
        return 0.0, 0.0
    if share >= 1:
        return 1.0, 1.0
    spread = Z95 * math.sqrt(greenwood) / abs(math.log(share))
    return share ** math.exp(spread), share ** math.exp(-spread)


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int
    low: float | None
    high: float | None

    @property
    def value(self):
        return self.part / self.whole if self.whole else None


def wilson_interval(part, whole, z=Z95):
    """`part` of `whole` as a rate with its Wilson score interval (None of nothing)."""
    if not whole:
        return Rate(part, whole, None, None)
    p = part / whole
    centre = p + z * z / (2 * whole)
    spread = z * math.sqrt(p * (1 - p) / whole + z * z / (4 * whole * whole))
    scale = 1 + z * z / whole
    return Rate(
        part, whole, max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)
    )
