"""How well the Spread page's stall findings hold up: generated scenarios with planted stalls and
decoys, judged by the page itself, scored against what was planted.

Each seed makes a fresh world in its own database (by default a temporary SQLite file; set
DATABASE_URL for PostgreSQL): the seven real NHS England regions and their ICBs, 3 to 14
organisations in each open ICB, and innovations that each spread through every organisation.
Every innovation × region group follows one shape, organisation by organisation, quarter by
quarter:

- **stall**: advancing briskly for 5 to 10 quarters from its launch, then nothing from a stop
  4 to 20 complete quarters ago, before most organisations have adopted; its barriers cluster
  in the innovation's characteristic category;
- **spreading**: advancing steadily to the present;
- **saturated**: advancing fast until nearly every organisation has embedded it;
- **slow but steady**: about one advance in 30 organisation-quarters, to the present;
- **late launch**: launched 2 to 5 quarters ago;
- **barrier-heavy but progressing**: spreading, with four times the barriers, in one category;
- **dip and recover**: spreading, with 2 or 3 quarters of nothing some years ago.

The page is asked, as a national user would ask it, for its flags by region and by ICB, with
no place filter and with each region's filter, and the script reports recall (planted stalls
flagged, by age), false flags (flags on groups nothing was planted in), "right why" (the
planted category named first) and whether the why is the same with a region filter. By ICB, a
group is planted when its region's is; groups under the minimum size must never be flagged.

    bench/stall_eval.py                 # seeds 101, 202, 303 on a temporary SQLite database
    bench/stall_eval.py --seeds 7 8     # other seeds

Writes bench/results/stall-eval.md; exits non-zero when a target of PRODUCT.md §7 is missed.
"""

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHAPES = {
    "stall": 0.2,
    "spreading": 0.34,
    "saturated": 0.1,
    "slow but steady": 0.1,
    "late launch": 0.08,
    "barrier-heavy but progressing": 0.09,
    "dip and recover": 0.09,
}
STALL_AGES = [4, 5, 6, 8, 12, 16, 20]  # complete quarters since the stop
HISTORY = 28  # quarters of history before the current one
INNOVATIONS = 24
# Chance an organisation advances a stage in a quarter, by shape.
PACE = {
    "stall": 0.25,
    "spreading": 0.2,
    "saturated": 0.6,
    "slow but steady": 0.033,
    "late launch": 0.25,
    "barrier-heavy but progressing": 0.2,
    "dip and recover": 0.2,
}
PLANTED_SHARE = 0.55  # of a stalled group's barriers, in the planted category
TARGETS = {"recall": 0.95, "false": 0.05, "right_why": 0.90, "same_why": 1.0}


def setup(database_url):
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": os.environ.get("SECRET_KEY", "stall-evaluation-only"),
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "TESTING": "true",
            "DJANGO_SETTINGS_MODULE": "adoption.config.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- a world ----------------------------------------------------------------------------


class World:
    """What was generated and planted."""

    def __init__(self):
        self.shapes = {}  # (innovation id, region id) -> shape
        self.ages = {}  # (innovation id, region id) -> quarters since the stop
        self.planted_category = {}  # innovation id -> category name
        self.icb_region = {}  # icb id -> region id
        self.icb_size = Counter()  # icb id -> organisations
        self.region_codes = {}  # region id -> ODS code


def generate(seed, today):
    from adoption.barriers.models import (
        Adoption,
        Barrier,
        BarrierCategory,
        BarrierStatus,
        Severity,
        Stage,
        StageChange,
    )
    from adoption.dashboards.quarters import next_quarter, quarter_start
    from adoption.dashboards.rollups import rebuild_spread_rollup
    from adoption.dashboards.tallies import rebuild_tallies
    from adoption.demo.demo_data import clear_domain_data
    from adoption.registry.models import Innovation, Organisation, OrganisationType
    from adoption.registry.services import load_nhs_england_icbs, refresh_icb_rollups

    rng = random.Random(seed)
    world = World()
    clear_domain_data()
    Organisation.objects.exclude(
        org_type__in=[OrganisationType.REGION, OrganisationType.ICB]
    ).delete()
    load_nhs_england_icbs()
    icbs = list(Organisation.objects.icbs().filter(closed_on__isnull=True).order_by("ods_code"))
    organisations = []
    for icb in icbs:
        world.icb_region[icb.pk] = icb.region_id
        for _ in range(rng.randint(3, 14)):
            organisations.append(
                Organisation(
                    ods_code=f"E{len(organisations):04d}",
                    name=f"Trust {len(organisations)} (evaluation)",
                    org_type=OrganisationType.ACUTE_TRUST,
                    region_id=icb.region_id,
                    parent=icb,
                    opened_on=datetime.date(2010, 4, 1),
                )
            )
    Organisation.objects.bulk_create(organisations)
    refresh_icb_rollups()
    organisations = list(
        Organisation.objects.filter(ods_code__startswith="E").order_by("ods_code")
    )
    for org in organisations:
        world.icb_size[org.icb_id] += 1
    world.region_codes = dict(Organisation.objects.regions().values_list("pk", "ods_code"))
    regions = sorted(world.region_codes)

    categories = list(BarrierCategory.objects.order_by("slug"))
    planted_pool = [c for c in categories if c.slug != "other"]
    innovations = [
        Innovation.objects.create(name=f"Innovation {i:02d}", category="digital")
        for i in range(INNOVATIONS)
    ]
    current = quarter_start(today)
    starts = [current]
    for _ in range(HISTORY):
        starts.insert(0, _previous_quarter(starts[0]))
    assert next_quarter(starts[-2]) == current

    order = [Stage.NOT_STARTED, *_advancing(Stage)]
    adoptions, changes, barriers = [], [], []
    for innovation in innovations:
        planted = rng.choice(planted_pool)
        world.planted_category[innovation.pk] = planted.name
        shapes = {
            region: rng.choices(list(SHAPES), weights=list(SHAPES.values()))[0]
            for region in regions
        }
        # Spread somewhere, so that a stall has something to be compared with.
        if all(shape == "stall" for shape in shapes.values()):
            shapes[regions[0]] = "spreading"
        heavy = rng.choice([c for c in categories if c != planted])
        for region, shape in shapes.items():
            world.shapes[(innovation.pk, region)] = shape
            launch, active = _plan(rng, shape)
            if shape == "stall":
                world.ages[(innovation.pk, region)] = HISTORY - active.stop
            for org in (o for o in organisations if o.region_id == region):
                history = _simulate(rng, starts, today, launch, active, PACE[shape])
                stage_at = order[len(history) - 1]
                adoption = Adoption(
                    innovation=innovation,
                    organisation=org,
                    stage=stage_at,
                    stage_changed_on=history[-1],
                    route="local",
                )
                adoptions.append(adoption)
                changes.append((adoption, "", Stage.NOT_STARTED, history[0]))
                for step, on in enumerate(history[1:]):
                    changes.append((adoption, order[step], order[step + 1], on))
                how_many = rng.choice([0, 1, 1, 2]) * (4 if shape.startswith("barrier") else 1)
                for _ in range(how_many):
                    if shape == "stall" and rng.random() < PLANTED_SHARE:
                        category = planted
                    elif shape.startswith("barrier"):
                        category = heavy
                    else:
                        category = rng.choice(categories)
                    identified = history[0] + datetime.timedelta(
                        days=rng.randint(0, max(0, (today - history[0]).days))
                    )
                    barriers.append(
                        Barrier(
                            innovation=innovation,
                            organisation=org,
                            category=category,
                            severity=rng.choice(list(Severity.values)),
                            status=BarrierStatus.OPEN,
                            identified_on=identified,
                            description="Generated for the stall evaluation.",
                            next_review_on=today + datetime.timedelta(days=90),
                        )
                    )
    Adoption.objects.bulk_create(adoptions, batch_size=5000)
    StageChange.objects.bulk_create(
        [
            StageChange(adoption=a, from_stage=f, to_stage=t, changed_on=on)
            for a, f, t, on in changes
        ],
        batch_size=5000,
    )
    Barrier.objects.bulk_create(barriers, batch_size=5000)
    rebuild_tallies()
    rebuild_spread_rollup()
    return world


def _previous_quarter(start):
    from adoption.dashboards.quarters import quarter_start

    return quarter_start(start - datetime.timedelta(days=1))


def _advancing(Stage):
    return [
        Stage.EXPLORING,
        Stage.BUSINESS_CASE,
        Stage.PILOTING,
        Stage.IMPLEMENTING,
        Stage.EMBEDDED,
    ]


class Active:
    """Which quarters (indexes into the history) a group advances in."""

    def __init__(self, stop=None, pause=()):
        self.stop, self.pause = stop, set(pause)

    def __contains__(self, quarter):
        return (self.stop is None or quarter < self.stop) and quarter not in self.pause


def _plan(rng, shape):
    """(launch quarter index, the quarters the group advances in) for a shape."""
    if shape == "stall":
        # Stopped part-way: two to three years after its launch, before most had adopted.
        stop = HISTORY - rng.choice(STALL_AGES)
        return max(0, stop - rng.randint(5, 10)), Active(stop=stop)
    if shape == "late launch":
        return HISTORY - rng.randint(2, 5), Active()
    if shape == "saturated":
        return rng.randint(0, 6), Active()
    if shape == "dip and recover":
        dip = rng.randint(8, HISTORY - 8)
        return rng.randint(0, 4), Active(pause=range(dip, dip + rng.choice([2, 3])))
    return rng.randint(0, 10), Active()


def _simulate(rng, starts, today, launch, active, pace):
    """The days an organisation reached each stage, from not started on."""
    days = [starts[launch] + datetime.timedelta(days=rng.randint(0, 80))]
    for quarter in range(launch + 1, len(starts)):
        if len(days) == 6:
            break
        if quarter in active and rng.random() < pace:
            on = starts[quarter] + datetime.timedelta(days=rng.randint(0, 88))
            if on > today:
                break
            days.append(on)
    return days


# --- judged by the page -------------------------------------------------------------------


def flags(user, query):
    """{(innovation id, group id): cell} of the groups the Spread page flags for a query."""
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory

    from adoption.dashboards import pages
    from adoption.dashboards.filters import DashboardFilters

    request = RequestFactory().get("/dashboard/", data=query)
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = user
    filters = DashboardFilters(request, with_grouping=True)
    assert filters.is_valid(), filters.form.errors
    page = pages.spread(filters, every_flag=True)
    return {(c.innovation_id, c.group): c for c in page.context["stalling"]}, page


def evaluate(world, user):
    from adoption.dashboards import stall_rule

    result = {}
    planted_regions = {key for key, shape in world.shapes.items() if shape == "stall"}
    # By region, unfiltered, then each region's own filter.
    found, _ = flags(user, {"group_by": "region"})
    filtered = {}
    for code in world.region_codes.values():
        found_here, _ = flags(user, {"group_by": "region", "region": code})
        filtered.update(found_here)
    result["region"] = _score(found, planted_regions, world, filtered)
    result["region_by_age"] = {
        age: _recall(found, {k for k in planted_regions if world.ages[k] == age})
        for age in STALL_AGES
    }
    result["false_by_shape"] = Counter(
        world.shapes[key] for key in found if key not in planted_regions
    )
    # By ICB: planted where the region is; judged only at the minimum size.
    icb_planted = {
        (innovation, icb)
        for (innovation, region) in planted_regions
        for icb, icb_region in world.icb_region.items()
        if icb_region == region and world.icb_size[icb] >= stall_rule.MIN_ORGANISATIONS
    }
    found_icb, page = flags(user, {"group_by": "icb"})
    filtered_icb = {}
    for code in world.region_codes.values():
        found_here, _ = flags(user, {"group_by": "icb", "region": code})
        filtered_icb.update(found_here)
    icb_world = _IcbTruth(world)
    result["icb"] = _score(found_icb, icb_planted, icb_world, filtered_icb)
    result["icb_small_flagged"] = sum(
        1 for c in found_icb.values() if c.verdict.organisations < stall_rule.MIN_ORGANISATIONS
    )
    result["icb_too_small"] = page.context["too_small"]
    return result


class _IcbTruth:
    """The planted category, looked up as for regions."""

    def __init__(self, world):
        self.planted_category = world.planted_category


def _recall(found, planted):
    return (len(planted & set(found)), len(planted))


def _score(found, planted, world, filtered):
    hits = planted & set(found)
    right = sum(
        1
        for key in hits
        if found[key].why.categories
        and found[key].why.categories[0].category == world.planted_category[key[0]]
    )
    same = sum(
        1
        for key in hits
        if key in filtered and _first(filtered[key].why) == _first(found[key].why)
    )
    return {
        "planted": len(planted),
        "flagged": len(found),
        "hits": len(hits),
        "false": len(set(found) - planted),
        "right_why": right,
        "same_why": same,
    }


def _first(why):
    return why.categories[0].category if why.categories else None


# --- report -------------------------------------------------------------------------------


def ratio(part, whole):
    return part / whole if whole else 1.0


def report(results, seconds):
    lines = [
        "# Stall findings on generated scenarios",
        "",
        f"`bench/stall_eval.py`, {datetime.date.today():%d %B %Y}; seeds "
        f"{', '.join(str(seed) for seed in results)}; {seconds:.0f} s.",
        "",
        "| seed | grouping | planted | flagged | recall | false flags | right why | same why "
        "with a region filter |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    totals = defaultdict(Counter)
    for seed, result in results.items():
        for grouping in ("region", "icb"):
            r = result[grouping]
            totals[grouping].update(r)
            lines.append(_row(str(seed), grouping, r))
    for grouping in ("region", "icb"):
        lines.append(_row("all", grouping, totals[grouping], bold=True))
    ages = Counter()
    for result in results.values():
        for age, (hit, planted) in result["region_by_age"].items():
            ages[(age, "hit")] += hit
            ages[(age, "planted")] += planted
    lines += [
        "",
        "Recall by region, by how many complete quarters ago advances stopped:",
        "",
        "| quarters since the stop | " + " | ".join(str(a) for a in STALL_AGES) + " |",
        "|---|" + "---:|" * len(STALL_AGES),
        "| flagged | "
        + " | ".join(f"{ages[(a, 'hit')]} of {ages[(a, 'planted')]}" for a in STALL_AGES)
        + " |",
    ]
    false_shapes = Counter()
    for result in results.values():
        false_shapes.update(result["false_by_shape"])
    small = sum(result["icb_small_flagged"] for result in results.values())
    too_small = sum(result["icb_too_small"] for result in results.values())
    lines += [
        "",
        "False flags by region, by the shape generated there: "
        + (", ".join(f"{shape} {n}" for shape, n in false_shapes.most_common()) or "none")
        + ".",
        "",
        f"By ICB: {small} flags on groups under the minimum size; {too_small} groups showed "
        "the pattern but were too few to judge.",
        "",
        "Recall: planted stalls flagged. False flags: flags on groups with nothing planted, as a "
        "share of flags. Right why: the planted barrier category named first, of the planted "
        "stalls flagged. Same why: the same first category when the page is filtered to the "
        "group's region.",
    ]
    return "\n".join(lines) + "\n", totals, small


def _row(seed, grouping, r, bold=False):
    b = "**" if bold else ""
    return (
        f"| {b}{seed}{b} | {grouping} | {r['planted']} | {r['flagged']} | "
        f"{ratio(r['hits'], r['planted']):.1%} | {ratio(r['false'], r['flagged']):.1%} | "
        f"{ratio(r['right_why'], r['hits']):.1%} | {ratio(r['same_why'], r['hits']):.1%} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 202, 303])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "stall-eval.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        setup(os.environ.get("DATABASE_URL") or f"sqlite:///{scratch}/stall-eval.sqlite3")
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_superuser("evaluator", password=None)
        started = time.monotonic()
        results = {}
        for seed in args.seeds:
            world = generate(seed, datetime.date.today())
            results[seed] = evaluate(world, user)
            print(f"seed {seed}: {results[seed]['region']} / ICB {results[seed]['icb']}")
        text, totals, small = report(results, time.monotonic() - started)
        user.delete()
    Path(args.out).write_text(text)
    print(text)
    region = totals["region"]
    missed = [
        name
        for name, value, target, low_is_good in (
            ("recall", ratio(region["hits"], region["planted"]), TARGETS["recall"], False),
            ("false flags", ratio(region["false"], region["flagged"]), TARGETS["false"], True),
            ("right why", ratio(region["right_why"], region["hits"]), TARGETS["right_why"], False),
            ("same why", ratio(region["same_why"], region["hits"]), TARGETS["same_why"], False),
        )
        if (value > target if low_is_good else value < target)
    ]
    if small:
        missed.append("a flag on an ICB under the minimum size")
    if missed:
        print("Missed: " + ", ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
