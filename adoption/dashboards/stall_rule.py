"""The rule that flags a group (an innovation in a region, an ICB or an organisation type) as
stalling. Pure functions over numbers the aggregates module has already counted in the
database; docs/stall-rule.md explains the rule with a worked example.

A group is flagged as stalling when both hold:

1. at least half of its organisations are stalled (a non-terminal stage unchanged for
   STALL_DAYS), and
2. its stage advances per quarter show a downward special cause on an XmR chart (NHS "Making
   Data Count"): the latest point below the lower process limit, the latest 7 points below the
   mean, the latest 7 points each lower than the one before, or 2 of the latest 3 points more
   than two-thirds of the way from the mean to the lower limit; or, for a group where nothing
   has ever advanced (so there is no process to have limits), 7 quarters of no advances.

Adopter share under 16% (Rogers: not yet past the early adopters) is reported alongside.

Why a group stalls: the barrier categories over-represented there compared with the groups
where the same innovation spread (`explain_stalls`).
"""

from collections import defaultdict
from dataclasses import dataclass, field

MR_SCALE = 2.66  # XmR process limits: mean ± 2.66 × mean moving range
RUN_LENGTH = 7
TRIAL_BELOW = 12  # fewer points than this and the limits are 'trial'
STALLED_SHARE_THRESHOLD = 0.5
EARLY_ADOPTER_SHARE = 0.16


@dataclass(frozen=True)
class XmR:
    points: tuple
    mean: float
    mean_moving_range: float
    upper: float
    lower: float
    trial: bool

    @property
    def lower_two_thirds(self):
        """The point two-thirds of the way from the mean down to the lower limit."""
        return self.mean - (self.mean - self.lower) * 2 / 3


def xmr(points):
    """Process limits for a series of counts; None for fewer than two points."""
    points = tuple(points)
    if len(points) < 2:
        return None
    mean = sum(points) / len(points)
    ranges = [abs(b - a) for a, b in zip(points, points[1:], strict=False)]
    mean_range = sum(ranges) / len(ranges)
    return XmR(
        points=points,
        mean=mean,
        mean_moving_range=mean_range,
        upper=mean + MR_SCALE * mean_range,
        # Advances cannot be negative; a limit below zero cannot be crossed.
        lower=mean - MR_SCALE * mean_range,
        trial=len(points) < TRIAL_BELOW,
    )


def downward_signals(chart):
    """The downward special causes at the end of the series, in words."""
    if chart is None:
        return []
    points, signals = chart.points, []
    if points[-1] < chart.lower:
        signals.append(
            f"the latest quarter ({points[-1]:g} advances) fell below the lower process limit "
            f"({chart.lower:.1f})"
        )
    if len(points) >= RUN_LENGTH and all(p < chart.mean for p in points[-RUN_LENGTH:]):
        signals.append(
            f"the last {RUN_LENGTH} quarters were all below the average of "
            f"{chart.mean:.1f} advances a quarter"
        )
    if (
        len(points) >= RUN_LENGTH
        and not any(points[-RUN_LENGTH:])
        and not any(p < chart.mean for p in points[-RUN_LENGTH:])
    ):
        # A process that never moved has no limits to cross; a long run of nothing is itself
        # the signal.
        signals.append(f"no organisation advanced a stage in the last {RUN_LENGTH} quarters")
    tail = points[-RUN_LENGTH:]
    if len(points) >= RUN_LENGTH and all(b < a for a, b in zip(tail, tail[1:], strict=False)):
        signals.append(f"advances fell in each of the last {RUN_LENGTH} quarters")
    if len(points) >= 3 and chart.lower < chart.mean:
        near_lower = [p for p in points[-3:] if p < chart.lower_two_thirds]
        if len(near_lower) >= 2:
            signals.append(
                "2 of the last 3 quarters were more than two-thirds of the way down to the "
                f"lower process limit (below {chart.lower_two_thirds:.1f})"
            )
    return signals


@dataclass
class GroupVerdict:
    organisations: int
    adopters: int
    stalled: int
    advances: tuple
    chart: XmR | None
    signals: list = field(default_factory=list)
    stalling: bool = False
    reasons: list = field(default_factory=list)

    @property
    def adopter_share(self):
        return self.adopters / self.organisations if self.organisations else None

    @property
    def stalled_share(self):
        return self.stalled / self.organisations if self.organisations else None

    @property
    def before_majority(self):
        """Rogers: fewer than 16% adopting has not crossed from early adopters to the
        majority."""
        share = self.adopter_share
        return share is not None and share < EARLY_ADOPTER_SHARE


def may_stall(*, organisations, stalled):
    """Whether a group can be flagged at all: at least half its organisations stalled. The
    advances of other groups need not be counted."""
    return bool(organisations) and stalled / organisations >= STALLED_SHARE_THRESHOLD


def judge(*, organisations, adopters, stalled, advances):
    """Apply the stall rule to one group's counts and its advances per quarter (oldest first,
    ending with the latest complete quarter)."""
    chart = xmr(advances)
    verdict = GroupVerdict(
        organisations=organisations,
        adopters=adopters,
        stalled=stalled,
        advances=tuple(advances),
        chart=chart,
    )
    if not organisations:
        return verdict
    verdict.signals = downward_signals(chart)
    share = stalled / organisations
    if may_stall(organisations=organisations, stalled=stalled) and verdict.signals:
        verdict.stalling = True
        verdict.reasons = [
            f"{stalled} of {organisations} organisations ({share:.0%}) have not moved stage "
            "for the stall period",
            *verdict.signals,
        ]
        if verdict.before_majority:
            verdict.reasons.append(
                f"only {verdict.adopter_share:.0%} have adopted: spread has not crossed from "
                "the early adopters to the majority (16%)"
            )
        if chart.trial:
            verdict.reasons.append(
                f"limits are trial: only {len(chart.points)} quarters of history"
            )
    return verdict


# --- why: over-represented barriers ------------------------------------------------------


@dataclass(frozen=True)
class OverRepresented:
    category: str
    here: int
    here_total: int
    elsewhere: int
    elsewhere_total: int
    lift: float

    def sentence(self):
        return (
            f"“{self.category}” is {self.lift:.1f}× as common here ({self.here} of "
            f"{self.here_total} barriers) as where it spread ({self.elsewhere} of "
            f"{self.elsewhere_total})"
        )


MIN_COUNT = 3
MIN_LIFT = 1.5


def over_represented(here, elsewhere, names):
    """Categories whose share of barriers in a stalling group exceeds their share in the groups
    where the innovation spread, by lift (ratio of shares, with 0.5 added to each count so a
    category absent elsewhere does not divide by zero). `here` and `elsewhere` map category id
    to count."""
    here_total, elsewhere_total = sum(here.values()), sum(elsewhere.values())
    if not here_total:
        return []
    found = []
    categories = len(set(here) | set(elsewhere)) or 1
    for category, count in here.items():
        if count < MIN_COUNT:
            continue
        other = elsewhere.get(category, 0)
        lift = ((count + 0.5) / (here_total + 0.5 * categories)) / (
            (other + 0.5) / (elsewhere_total + 0.5 * categories)
        )
        if lift >= MIN_LIFT:
            found.append(
                OverRepresented(names[category], count, here_total, other, elsewhere_total, lift)
            )
    return sorted(found, key=lambda item: (-item.lift, item.category))


def explain_stalls(cells, counts, names):
    """Attach to every stalling cell (an innovation in a group, with its verdict) the barrier
    categories over-represented there against the groups where the same innovation spread.
    `counts` maps (innovation, group) to {category id: barriers}; `names` maps category id to
    name."""
    spread_groups = defaultdict(list)
    for cell in cells:
        if not cell.verdict.stalling:
            spread_groups[cell.innovation_id].append(cell.group)
    for cell in cells:
        if not cell.verdict.stalling:
            continue
        elsewhere = defaultdict(int)
        for group in spread_groups[cell.innovation_id]:
            for category, n in counts.get((cell.innovation_id, group), {}).items():
                elsewhere[category] += n
        here = counts.get((cell.innovation_id, cell.group), {})
        cell.why = over_represented(here, elsewhere, names)
