"""The rule that flags a group (an innovation in a region, an ICB or an organisation type) as
stalling, and the barriers that explain it. Pure functions over numbers the aggregates module
has already counted in the database; docs/stall-rule.md explains the rule with worked examples.

A group is flagged as stalling when all of these hold:

1. it has at least `MIN_ORGANISATIONS` organisations (smaller groups are shown as too few to
   judge, never flagged on their own);
2. at least half of its organisations are stalled (a non-terminal stage unchanged for
   STALL_DAYS);
3. its stage advances per quarter stopped after an active baseline (`find_stop`): over the
   latest run of at least `RECENT_QUARTERS` complete quarters, the advances are at most a
   quarter of what the rate of the quarters before (up to `BASELINE_QUARTERS` of them, with at
   least `MIN_BASELINE_ADVANCES` advances) would give, and a split that lopsided would happen
   by chance with probability under `ALPHA` had the rate not changed (the exact conditional
   test for two Poisson counts).

The XmR chart of the advances (NHS "Making Data Count") is drawn with its limits fixed on that
baseline, as Making Data Count does after a known change; its special causes are reported
alongside. Adopter share under 16% (Rogers: not yet past the early adopters) is reported too.

Why a group stalls (`explain_stalls`): the barrier categories over-represented there against the
same innovation's groups where it spread, ranked by weighted log-odds with an informative
Dirichlet prior (Monroe, Colaresi and Quinn 2008), named only when the z-score clears
`MIN_Z`.
"""

import functools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import accumulate

MR_SCALE = 2.66  # XmR process limits: mean ± 2.66 × mean moving range
RUN_LENGTH = 7  # a run of this many points on one side of the mean, or rising or falling
TRIAL_BELOW = 12  # fewer points than this and the limits are 'trial'
STALLED_SHARE_THRESHOLD = 0.5
EARLY_ADOPTER_SHARE = 0.16
MIN_ORGANISATIONS = 5  # a group with fewer is too few to judge

RECENT_QUARTERS = 4  # a stop is judged once it has lasted this many complete quarters
BASELINE_QUARTERS = 12  # at most this many quarters before a stop form its baseline
MIN_BASELINE_QUARTERS = 4  # and at least this many
MIN_BASELINE_ADVANCES = 12  # an active baseline: at least this many advances over it
DROP_RATIO = 0.25  # the recent advances are at most this share of the baseline rate's
ALPHA = 0.001  # and so few would happen by chance less often than this


# --- the XmR chart -----------------------------------------------------------------------


@dataclass(frozen=True)
class XmR:
    """An XmR chart: the points and process limits computed over `baseline` (the indexes of
    the points the limits were computed from; all of them unless a stop fixed a baseline)."""

    points: tuple
    mean: float
    mean_moving_range: float
    upper: float
    lower: float
    trial: bool
    baseline: range

    @property
    def lower_two_thirds(self):
        """The point two-thirds of the way from the mean down to the lower limit."""
        return self.mean - (self.mean - self.lower) * 2 / 3

    @property
    def upper_two_thirds(self):
        return self.mean + (self.upper - self.mean) * 2 / 3

    @property
    def fixed(self):
        """Whether the limits come from a baseline period rather than the whole series."""
        return len(self.baseline) < len(self.points)


def xmr(points, baseline=None):
    """Process limits for a series of counts, computed over the points at the indexes in
    `baseline` (default: all); None with fewer than two such points."""
    points = tuple(points)
    baseline = range(len(points)) if baseline is None else baseline
    period = [points[i] for i in baseline]
    if len(period) < 2:
        return None
    mean = sum(period) / len(period)
    ranges = [abs(b - a) for a, b in zip(period, period[1:], strict=False)]
    mean_range = sum(ranges) / len(ranges)
    return XmR(
        points=points,
        mean=mean,
        mean_moving_range=mean_range,
        upper=mean + MR_SCALE * mean_range,
        # Advances cannot be negative; a limit below zero cannot be crossed.
        lower=mean - MR_SCALE * mean_range,
        trial=len(period) < TRIAL_BELOW,
        baseline=baseline,
    )


LOW, HIGH = "low", "high"


def _special_causes(chart, side):
    """The special causes on one side of the chart (`LOW` or `HIGH`), by the Making Data Count
    rules, as (rule, the points it marks, the last point of its window): a point beyond the
    limit ("limit"); a run of `RUN_LENGTH` points on that side of the mean ("run"); a run of
    `RUN_LENGTH` points each lower, or higher, than the one before ("trend"); 2 of 3 points
    beyond two-thirds of the way to the limit ("near"). With limits fixed on a baseline, only
    the points after it are judged. The one statement of the rules: `special_causes` marks the
    points, `downward_signals` words those ending at the latest."""
    points, low = chart.points, side == LOW
    first = chart.baseline.stop if chart.fixed else 0

    def beyond(value, line):
        return value < line if low else value > line

    limit = chart.lower if low else chart.upper
    for i in range(first, len(points)):
        if beyond(points[i], limit):
            yield "limit", [i], i
    for end in range(first + RUN_LENGTH, len(points) + 1):
        window = list(range(end - RUN_LENGTH, end))
        if all(beyond(points[i], chart.mean) for i in window):
            yield "run", window, end - 1
        if all(beyond(points[i], points[i - 1]) for i in window[1:]):
            yield "trend", window, end - 1
    near = chart.lower_two_thirds if low else chart.upper_two_thirds
    if beyond(limit, chart.mean):  # limits on that side of the mean, not collapsed onto it
        for end in range(first + 3, len(points) + 1):
            hits = [i for i in range(end - 3, end) if beyond(points[i], near)]
            if len(hits) >= 2:
                yield "near", hits, end - 1


def special_causes(chart):
    """For each point, the special cause it is part of: `LOW` (fewer advances: a concern),
    `HIGH` (more: an improvement) or None (common cause); see `_special_causes`."""
    if chart is None:
        return []
    marks = [None] * len(chart.points)
    for side in (LOW, HIGH):
        for _, marked, _ in _special_causes(chart, side):
            for i in marked:
                marks[i] = marks[i] or side
    return marks


# Making Data Count's variation icons, in words.
VARIATION = {
    LOW: "Special cause variation of a concerning nature: fewer advances than the process gives",
    HIGH: "Special cause variation of an improving nature: more advances than the process gives",
    None: "Common cause variation: no signal in the latest quarter",
}


def downward_signals(chart):
    """The downward special causes whose window ends at the latest point, in words."""
    if chart is None:
        return []
    points, latest = chart.points, len(chart.points) - 1
    fired = {rule for rule, _, end in _special_causes(chart, LOW) if end == latest}
    words = {
        "limit": f"the latest quarter ({points[-1]:g} advances) fell below the lower process "
        f"limit ({chart.lower:.1f})",
        "run": f"the last {RUN_LENGTH} quarters were all below the average of "
        f"{chart.mean:.1f} advances a quarter",
        "trend": f"advances fell in each of the last {RUN_LENGTH} quarters",
        "near": "2 of the last 3 quarters were more than two-thirds of the way down to the "
        f"lower process limit (below {chart.lower_two_thirds:.1f})",
    }
    return [sentence for rule, sentence in words.items() if rule in fired]


# --- a stop after an active baseline -----------------------------------------------------


def binomial_cdf(k, n, q):
    """P(X ≤ k) for X ~ Binomial(n, q), summed in log space so that large counts do not
    underflow term by term."""
    if q <= 0:
        return 1.0
    if q >= 1:
        return 1.0 if k >= n else 0.0
    terms = [
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        + i * math.log(q)
        + (n - i) * math.log(1 - q)
        for i in range(int(k) + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


@dataclass(frozen=True)
class Stop:
    """Advances stopped from quarter index `start` on, against the rate of `baseline`."""

    start: int
    baseline: range
    rate: float  # advances a quarter over the baseline
    advances: int  # advances since the stop
    quarters: int  # quarters since the stop
    p_value: float

    @property
    def expected(self):
        return self.rate * self.quarters

    def sentence(self):
        return (
            f"{self.advances:g} advances in the last {self.quarters} quarters, against "
            f"{self.expected:.0f} expected at the rate of the {len(self.baseline)} quarters "
            f"before ({self.rate:.1f} a quarter); had the rate not changed, a fall this large "
            f"would happen by chance with probability {_probability(self.p_value)}"
        )


def _probability(p):
    return "below 1 in a million" if p < 1e-6 else f"about 1 in {round(1 / p):,}"


def find_stop(points):
    """The most significant stop in a series of advances per quarter (oldest first, ending
    with the latest complete quarter), or None.

    Every start of a recent run lasting to the end and at least `RECENT_QUARTERS` long is
    tried, against a baseline of the up to `BASELINE_QUARTERS` quarters before it (at least
    `MIN_BASELINE_QUARTERS`, with at least `MIN_BASELINE_ADVANCES` advances: active). A start
    qualifies when the run's advances are at most `DROP_RATIO` of what the baseline rate gives
    over it and so few would happen by chance with probability under `ALPHA` had the rate not
    changed (of the advances over baseline and run together, the share in the run tested as a
    binomial count: the exact conditional test for two Poisson rates). Of those, the one
    least likely by chance is the stop: it falls where the fall is."""
    points = tuple(points)
    best = None
    # Running totals, so each start's baseline and run are added up in two subtractions:
    # the rule is judged for thousands of groups on one page.
    totals = [0, *accumulate(points)]
    for start in range(MIN_BASELINE_QUARTERS, len(points) - RECENT_QUARTERS + 1):
        baseline = range(max(0, start - BASELINE_QUARTERS), start)
        active = totals[start] - totals[baseline.start]
        rate = active / len(baseline)
        recent = len(points) - start
        observed = totals[-1] - totals[start]
        if active < MIN_BASELINE_ADVANCES or observed > DROP_RATIO * rate * recent:
            continue
        # Of all the advances over baseline and run, so few fell in the run, had the rate
        # not changed: the conditional test for two Poisson counts (exact; it allows for
        # the baseline's own noise).
        share = recent / (len(baseline) + recent)
        p = binomial_cdf(observed, active + observed, share)
        if p < ALPHA and (best is None or p < best.p_value):
            best = Stop(start, baseline, rate, observed, recent, p)
    return best


# --- the verdict on one group ------------------------------------------------------------


@dataclass
class GroupVerdict:
    organisations: int
    adopters: int
    stalled: int
    advances: tuple
    stop: Stop | None = None
    stalling: bool = False
    # The stall pattern in a group too small to judge: shown as such, never flagged.
    too_small: bool = False
    reasons: list = field(default_factory=list)

    @functools.cached_property
    def chart(self):
        """The XmR chart of the advances, its limits fixed on the stop's baseline if there is
        one (worked out when asked: most groups' are never drawn)."""
        return xmr(self.advances, self.stop.baseline if self.stop else None)

    @property
    def signals(self):
        """The chart's signals of fewer advances, ending at the latest quarter, in words."""
        return downward_signals(self.chart) if self.organisations else []

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

    @property
    def shows_stall(self):
        """The stall pattern, judged or not."""
        return self.stalling or self.too_small

    @property
    def spread(self):
        """Whether the innovation spread here: no stall pattern, and past the early adopters
        (Rogers' 16%). Groups that never got going are no baseline of spread."""
        return not self.shows_stall and not self.before_majority and bool(self.organisations)

    @property
    def status(self):
        if self.stalling:
            return "Stalling"
        if self.too_small:
            return "Too few organisations to judge"
        return "Not stalling"


def why_not(verdict):
    """Why a group that is not flagged is not, in words."""
    if verdict.stalling:
        return []
    if not verdict.organisations:
        return ["no organisations are in this group for these filters"]
    reasons = []
    if verdict.too_small:
        reasons.append(
            f"it shows the stall pattern, but with {verdict.organisations} organisations it "
            f"is too small to judge (at least {MIN_ORGANISATIONS} are needed)"
        )
    if not may_stall(organisations=verdict.organisations, stalled=verdict.stalled):
        reasons.append(
            f"{verdict.stalled} of {verdict.organisations} organisations are stalled: fewer "
            "than half"
        )
    if verdict.stop is None:
        reasons.append(
            f"its advances have not stopped: no run of the last {RECENT_QUARTERS} or more "
            "quarters fell to a quarter of the rate before it, beyond what chance gives"
        )
    return reasons


def may_stall(*, organisations, stalled):
    """Whether a group can show the stall pattern at all: at least half its organisations
    stalled. The advances of other groups need not be counted."""
    return bool(organisations) and stalled / organisations >= STALLED_SHARE_THRESHOLD


def judge(*, organisations, adopters, stalled, advances):
    """Apply the stall rule to one group's counts and its advances per quarter (oldest first,
    ending with the latest complete quarter)."""
    advances = tuple(advances)
    stop = find_stop(advances)
    verdict = GroupVerdict(
        organisations=organisations,
        adopters=adopters,
        stalled=stalled,
        advances=advances,
        stop=stop,
    )
    if not organisations:
        return verdict
    if not (may_stall(organisations=organisations, stalled=stalled) and stop):
        return verdict
    if organisations < MIN_ORGANISATIONS:
        verdict.too_small = True
        return verdict
    verdict.stalling = True
    verdict.reasons = [
        f"{stalled} of {organisations} organisations ({stalled / organisations:.0%}) have not "
        "moved stage for the stall period",
        stop.sentence(),
    ]
    if signals := verdict.signals:
        verdict.reasons.append(
            f"on the XmR chart, with its limits fixed on those {len(stop.baseline)} quarters: "
            + "; ".join(signals)
        )
    if verdict.before_majority:
        verdict.reasons.append(
            f"only {verdict.adopter_share:.0%} have adopted: spread has not crossed from "
            "the early adopters to the majority (16%)"
        )
    return verdict


# --- why: over-represented barriers ------------------------------------------------------

PRIOR_BARRIERS = 10  # the prior's weight, in barriers, spread by the innovation's own shares
MIN_Z = 1.96  # a category is named when its z-score is at least this (about 95% confidence)
MIN_COUNT = 3  # and at least this many of the group's barriers are in it
MIN_BARRIERS = 5  # fewer barriers logged in a group than this are too few to say why


@dataclass(frozen=True)
class OverRepresented:
    category: str
    here: int
    here_total: int
    elsewhere: int
    elsewhere_total: int
    z: float

    def sentence(self):
        return (
            f"“{self.category}”: {self.here} of {self.here_total} barriers here "
            f"({self.here / self.here_total:.0%}) against {self.elsewhere} of "
            f"{self.elsewhere_total} where it spread "
            f"({_share(self.elsewhere, self.elsewhere_total)}); z = {self.z:.1f}"
        )


def _share(part, whole):
    return f"{part / whole:.0%}" if whole else "none logged"


def log_odds_z(here, elsewhere, categories):
    """{category: z-score} of each category's weighted log-odds ratio, here against elsewhere,
    with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008, "Fightin' words"):
    `PRIOR_BARRIERS` pseudo-barriers spread over `categories` (every category a barrier may
    have) by their pooled shares, each with one more, so a category seen in neither still has
    a prior. With a single category there is nothing to compare: every z-score is 0."""
    if len(categories) < 2:
        return dict.fromkeys(categories, 0.0)
    here_total, elsewhere_total = sum(here.values()), sum(elsewhere.values())
    pooled_total = here_total + elsewhere_total + len(categories)
    scores = {}
    for category in categories:
        y_here, y_else = here.get(category, 0), elsewhere.get(category, 0)
        prior = PRIOR_BARRIERS * (y_here + y_else + 1) / pooled_total
        delta = math.log(
            (y_here + prior) / (here_total + PRIOR_BARRIERS - y_here - prior)
        ) - math.log((y_else + prior) / (elsewhere_total + PRIOR_BARRIERS - y_else - prior))
        variance = 1 / (y_here + prior) + 1 / (y_else + prior)
        scores[category] = delta / math.sqrt(variance)
    return scores


def _larger_share(here, elsewhere, category):
    """Whether the category's share of the barriers here is larger than where it spread (the
    prior alone can lift a z-score when both shares are 100%)."""
    there = sum(elsewhere.values())
    share_there = elsewhere.get(category, 0) / there if there else 0
    return here[category] / sum(here.values()) > share_there


def over_represented(here, elsewhere, names):
    """The categories over-represented among a stalling group's barriers (`here`) against the
    groups where the innovation spread (`elsewhere`), each {category id: barriers}: those with
    at least `MIN_COUNT` barriers here, a larger share here than there and a z-score of at
    least `MIN_Z`, highest first."""
    if sum(here.values()) < MIN_BARRIERS:
        return []
    scores = log_odds_z(here, elsewhere, sorted(set(names) | set(here) | set(elsewhere)))
    found = [
        OverRepresented(
            names[category],
            here[category],
            sum(here.values()),
            elsewhere.get(category, 0),
            sum(elsewhere.values()),
            scores[category],
        )
        for category in here
        if here[category] >= MIN_COUNT
        and scores[category] >= MIN_Z
        and _larger_share(here, elsewhere, category)
    ]
    return sorted(found, key=lambda item: (-item.z, item.category))


@dataclass(frozen=True)
class Why:
    """What a stalling group's barriers say: its barriers (`here`) and those of the same
    innovation's groups where it spread (`elsewhere`), each {category id: barriers}, and the
    over-represented categories named from them."""

    categories: list  # OverRepresented, strongest first
    here: dict
    elsewhere: dict
    spread_groups: int  # how many groups `elsewhere` counts

    @property
    def barriers(self):
        return sum(self.here.values())

    @property
    def spread_barriers(self):
        return sum(self.elsewhere.values())

    @property
    def too_few(self):
        return self.barriers < MIN_BARRIERS

    def scores(self, categories):
        """{category id: z-score} of every category seen here or where it spread, among
        `categories` (every category a barrier may have)."""
        seen = set(self.here) | set(self.elsewhere)
        scores = log_odds_z(self.here, self.elsewhere, sorted(seen | set(categories)))
        return {category: z for category, z in scores.items() if category in seen}

    def sentence(self, kind):
        """In words; `kind` names a group ('region')."""
        if self.too_few:
            return (
                f"Too few barriers to say why: {self.barriers} logged here (at least "
                f"{MIN_BARRIERS} are needed)."
            )
        if self.spread_groups:
            plural = "s" if self.spread_groups != 1 else ""
            compared = (
                f"Compared with the {self.spread_groups} {kind}{plural} where it spread, "
                f"nationally ({self.spread_barriers} barriers)"
            )
        else:
            compared = f"With no {kind} where it spread to compare with"
        if not self.categories:
            return (
                f"{compared}, no barrier category stands out among the {self.barriers} "
                f"barriers logged here (none reaches z = {MIN_Z})."
            )
        listed = "; ".join(item.sentence() for item in self.categories)
        return f"{compared}, over-represented here: {listed}."


def explain_stalls(stalling, national, here, elsewhere, names):
    """Attach to every stalling cell (`stalling`: cells with a verdict) its `Why`: its barriers
    (`here`) against those of the same innovation's other groups where it spread, among the
    `national` cells (the same innovations over every place, whatever places the viewer
    filtered to) and counted in `elsewhere`. Both map (innovation, group) to {category id:
    barriers}; `names` maps category id to name."""
    spread_groups = defaultdict(list)
    for cell in national:
        if cell.verdict.spread:
            spread_groups[cell.innovation_id].append(cell.group)
    for cell in stalling:
        groups = [g for g in spread_groups[cell.innovation_id] if g != cell.group]
        baseline = defaultdict(int)
        for group in groups:
            for category, n in elsewhere.get((cell.innovation_id, group), {}).items():
                baseline[category] += n
        own = here.get((cell.innovation_id, cell.group), {})
        cell.why = Why(
            categories=over_represented(own, baseline, names),
            here=dict(own),
            elsewhere=dict(baseline),
            spread_groups=len(groups),
        )
