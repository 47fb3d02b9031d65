"""The shapes the `small` demo plants, read back from its records: stalls of varied age after
an active baseline, the decoys a stall rule must leave alone, and enabler outcomes with
realistic noise. Seeded once for the module; every figure is counted here from the records.

`stalls_by_the_rule` is the stall rule as the issue states it, written out independently: a
group of at least 5 organisations, at least half stalled, whose latest k ≥ 4 complete
quarters advance at no more than a quarter of the rate of the quarters before, significant at
p < 0.001 comparing the two as Poisson counts (given their total, the recent count is binomial
with the recent share of the quarters)."""

import datetime
import math
from collections import Counter, defaultdict

import pytest
from django.db.models import Count, Q

from adoption.accounts.models import Membership
from adoption.accounts.policy import Access
from adoption.barriers.models import (
    TERMINAL_STAGES,
    ActionOutcome,
    Adoption,
    Barrier,
    BarrierStatus,
    EnablerAction,
    Stage,
    StageChange,
    is_advance,
)
from adoption.barriers.selectors import lead_home
from adoption.dashboards.quarters import last_complete_quarter, quarter_start, quarters
from adoption.demo.demo_catalogue import FITTING_ENABLERS
from adoption.demo.demo_data import DemoBuilder, Shape, clear_domain_data

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 1)
STALLED_BEFORE = AS_OF - datetime.timedelta(days=180)


@pytest.fixture(scope="module")
def planted(django_db_setup, django_db_blocker):
    """The small demo, seeded once; the shapes it says it planted, by (innovation, region)."""
    with django_db_blocker.unblock():
        builder = DemoBuilder(scale="small", seed=1, as_of=AS_OF, password="pw", progress=False)
        builder.build()
    yield builder.planted_groups
    with django_db_blocker.unblock():
        clear_domain_data()


def groups_of(planted, shape):
    return [key for key, group in planted.items() if group.shape == shape]


def advances_by_quarter(innovation, region=None):
    """A group's stage advances per calendar quarter (or, without a region, the innovation's),
    from the quarter of its first stage change to the last complete quarter."""
    changes = StageChange.objects.filter(adoption__innovation__name=innovation)
    if region:
        changes = changes.filter(adoption__organisation__region__ods_code=region)
    changes = changes.values_list("from_stage", "to_stage", "changed_on")
    counts, first = Counter(), None
    for from_stage, to_stage, on in changes:
        first = min(first or on, on)
        if is_advance(from_stage, to_stage):
            counts[quarter_start(on)] += 1
    return [counts[q] for q in quarters(first, last_complete_quarter(AS_OF))]


def organisations_and_stalled(innovation, region):
    adoptions = Adoption.objects.filter(
        innovation__name=innovation, organisation__region__ods_code=region
    )
    stalled = adoptions.exclude(stage__in=TERMINAL_STAGES).filter(
        stage_changed_on__lte=STALLED_BEFORE
    )
    return adoptions.count(), stalled.count()


def binomial_at_most(k, n, p):
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def stalls_by_the_rule(innovation, region, *, recent=None):
    """Whether the group stalls by the rule in the module docstring, for some window of the
    latest k ≥ 4 quarters (or for k = `recent`)."""
    organisations, stalled = organisations_and_stalled(innovation, region)
    if organisations < 5 or 2 * stalled < organisations:
        return False
    points = advances_by_quarter(innovation, region)
    for k in [recent] if recent else range(4, len(points)):
        latest, before = sum(points[-k:]), sum(points[:-k])
        quarters_before = len(points) - k
        if not before or not quarters_before:
            continue
        slowed = latest / k <= 0.25 * before / quarters_before
        if slowed and binomial_at_most(latest, latest + before, k / len(points)) < 0.001:
            return True
    return False


def quarters_without_an_advance(points):
    """Complete quarters at the end of the series with no advance."""
    return len(points) - len("".join("x" if p else "." for p in points).rstrip("."))


# --- planted stalls ------------------------------------------------------------------------


def test_planted_stalls_are_judged_groups_mostly_stalled(planted):
    stalls = groups_of(planted, Shape.STALL)

    assert stalls
    for innovation, region in stalls:
        organisations, stalled = organisations_and_stalled(innovation, region)
        assert organisations >= 5
        assert 2 * stalled >= organisations


def test_planted_stalls_follow_an_active_baseline_of_at_least_four_quarters(planted):
    for key in groups_of(planted, Shape.STALL):
        points = advances_by_quarter(*key)
        before_the_stop = points[: len(points) - quarters_without_an_advance(points)]
        baseline = before_the_stop[next(i for i, p in enumerate(points) if p) :]

        # Several advances a quarter, from the first to the stop.
        assert len(baseline) >= 4, (key, points)
        assert sum(baseline) / len(baseline) >= 2, (key, points)


def test_planted_stalls_are_of_varied_age_from_four_quarters_to_over_four_years(planted):
    ages = {
        quarters_without_an_advance(advances_by_quarter(*key))
        for key in groups_of(planted, Shape.STALL)
    }

    assert min(ages) in (4, 5)
    assert max(ages) >= 16
    assert len(ages) >= 3


def test_every_planted_stall_stalls_by_the_rule_over_its_quiet_quarters(planted):
    for key in groups_of(planted, Shape.STALL):
        quiet = quarters_without_an_advance(advances_by_quarter(*key))

        assert stalls_by_the_rule(*key, recent=quiet), key


# --- decoys --------------------------------------------------------------------------------

DECOYS = [
    Shape.SATURATED,
    Shape.SLOW_STEADY,
    Shape.LATE_LAUNCH,
    Shape.BARRIER_HEAVY,
    Shape.DIP_RECOVER,
]


@pytest.mark.parametrize("shape", DECOYS)
def test_each_decoy_is_planted_in_a_judged_group_the_rule_leaves_alone(planted, shape):
    judged = [key for key in groups_of(planted, shape) if organisations_and_stalled(*key)[0] >= 5]

    assert judged
    for key in judged:
        assert not stalls_by_the_rule(*key), key


def test_saturated_groups_have_nearly_all_embedded(planted):
    for innovation, region in groups_of(planted, Shape.SATURATED):
        adoptions = Adoption.objects.filter(
            innovation__name=innovation, organisation__region__ods_code=region
        )

        assert adoptions.filter(stage=Stage.EMBEDDED).count() >= 0.8 * adoptions.count()


def test_slow_but_steady_groups_advance_about_once_a_quarter_and_still_do(planted):
    for key in groups_of(planted, Shape.SLOW_STEADY):
        points = advances_by_quarter(*key)
        since_first = points[next(i for i, p in enumerate(points) if p) :]

        assert 0.5 <= sum(since_first) / len(since_first) <= 1.5, points
        assert sum(points[-4:]) >= 2, points
        # Most organisations sit at one stage for a long time.
        organisations, stalled = organisations_and_stalled(*key)
        assert 2 * stalled >= organisations


def test_late_launches_started_in_the_last_eighteen_months_and_are_rising(planted):
    for innovation in {innovation for innovation, _ in groups_of(planted, Shape.LATE_LAUNCH)}:
        first = (
            StageChange.objects.filter(adoption__innovation__name=innovation)
            .order_by("changed_on")
            .values_list("changed_on", flat=True)
            .first()
        )
        points = advances_by_quarter(innovation)
        half = len(points) // 2

        assert first >= AS_OF - datetime.timedelta(days=550)
        assert sum(points[half:]) > sum(points[:half]), (innovation, points)


def by_group(queryset):
    """{(innovation, region): count} of a queryset of adoptions or barriers."""
    rows = queryset.values_list("innovation__name", "organisation__region__ods_code").annotate(
        n=Count("id")
    )
    return {(innovation, region): n for innovation, region, n in rows}


def test_barrier_heavy_groups_log_many_barriers_and_keep_advancing(planted):
    barriers, adoptions = by_group(Barrier.objects), by_group(Adoption.objects)
    unplanted = [key for key in adoptions if key not in planted]
    usual = sum(barriers.get(key, 0) for key in unplanted) / sum(
        adoptions[key] for key in unplanted
    )
    for key in groups_of(planted, Shape.BARRIER_HEAVY):
        points = advances_by_quarter(*key)

        assert barriers[key] / adoptions[key] >= 2 * usual
        assert sum(points[-4:]) >= 2, points


def test_dips_had_quarters_without_advances_then_advanced_again(planted):
    for key in groups_of(planted, Shape.DIP_RECOVER):
        points = advances_by_quarter(*key)
        quiet_runs = "".join("x" if p else "." for p in points).strip(".").split("x")

        # A run of at least two quiet quarters between advances, and advancing since.
        assert max(len(run) for run in quiet_runs) >= 2, points
        assert all(points[-4:]) or sum(points[-4:]) >= 4, points


def test_tiny_groups_occur_naturally_by_icb(planted):
    sizes = Adoption.objects.values("innovation", "organisation__icb").annotate(n=Count("id"))

    assert any(row["n"] < 5 for row in sizes)


# --- barriers and what was done about them ------------------------------------------------


def test_no_enabler_type_resolves_every_one_of_many_actions(planted):
    finished = EnablerAction.objects.exclude(outcome=ActionOutcome.IN_PROGRESS)
    per_type = finished.values("enabler_type__slug").annotate(
        n=Count("id"), resolved=Count("id", filter=Q(outcome=ActionOutcome.RESOLVED))
    )

    assert all(row["resolved"] < row["n"] for row in per_type if row["n"] > 20)
    assert finished.filter(outcome=ActionOutcome.PARTLY).exists()
    assert finished.filter(outcome=ActionOutcome.NO_EFFECT).exists()


def test_fitting_enablers_resolve_more_often_than_others_but_not_always(planted):
    tally = defaultdict(Counter)
    for enabler, category, outcome in EnablerAction.objects.exclude(
        outcome=ActionOutcome.IN_PROGRESS
    ).values_list("enabler_type__slug", "barrier__category__slug", "outcome"):
        fits = enabler in FITTING_ENABLERS[category]
        tally[fits]["actions"] += 1
        tally[fits]["resolved"] += outcome == ActionOutcome.RESOLVED

    fitting = tally[True]["resolved"] / tally[True]["actions"]
    others = tally[False]["resolved"] / tally[False]["actions"]
    assert 0.5 <= fitting <= 0.85
    assert 0.15 <= others <= 0.5


def test_many_barriers_stay_open_and_times_to_resolve_spread_widely(planted):
    year_ago = AS_OF - datetime.timedelta(days=365)
    older = Barrier.objects.filter(identified_on__lte=year_ago)
    still_open = older.filter(status__in=[BarrierStatus.OPEN, BarrierStatus.BEING_ADDRESSED])
    days = sorted(
        (resolved - identified).days
        for identified, resolved in Barrier.objects.filter(
            status=BarrierStatus.RESOLVED
        ).values_list("identified_on", "resolved_on")
    )

    assert still_open.count() >= 0.25 * older.count()
    assert days[len(days) // 10] <= 120
    assert days[len(days) * 9 // 10] >= 365


# --- the lead ------------------------------------------------------------------------------


def test_the_lead_can_start_recording_an_innovation(planted):
    lead = Membership.objects.get(user__username="lead").user

    (home,) = lead_home(Access(lead), today=AS_OF)

    # The home page offers the form when it lists more than its empty choice.
    assert len(home.start_adoption.fields["innovation"].widget.choices) > 1
