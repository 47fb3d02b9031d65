"""Deterministic demo data at three scales, telling a story the dashboards can find, with the
shapes a stall rule must get right and the shapes it must rightly leave alone.

The story: each innovation launches on a date and spreads through the organisations that can
adopt it along an S-curve whose pace differs by region and by route of arrival (co-developed
spreads faster than mandated). Some innovation × region groups are given a deliberate shape:

- **Planted stalls** (about 30% of innovations, in one or two regions). The group spreads
  briskly for 14 to 20 months after launch (an active baseline: several stage advances a
  quarter for at least four quarters), then from a stop date nobody there advances again.
  Stops are of varied age: 4 and 5 complete quarters before the as-of date, and 2, 3 and over
  4 years (`STALL_AGES`). Barriers there are logged more often, cluster in the innovation's
  characteristic category (savings landing in primary care for an acute-funded innovation,
  payment by results for admission avoidance, …) and are resolved less often: that is the
  "why". A stall group has at least `STALL_GROUP_FROM` organisations, most of them stuck at
  a stage they reached before the stop.
- **Decoys** (each in about 6% of innovations, in a group of at least `JUDGED_FROM`), which
  look alarming on one measure but are not stalls:
  - *saturated*: nearly every organisation reached `embedded` long ago, so advances have died
    away because no one is left to advance;
  - *slow but steady*: about one advance a quarter, year after year, so most organisations sit
    at one stage for a long time while the group keeps moving;
  - *late launch* (5% of innovations, every region): launched 12–18 months before the as-of
    date and rising, though many organisations have not started and have not for six months;
  - *barrier-heavy but progressing*: as many barriers as a stall, clustered the same way, yet
    the group keeps advancing;
  - *dip and recover*: two or three quarters with no advances some time ago, then advancing
    again for at least four quarters;
  - *tiny groups*: by ICB (and in the `small` demo by region too) many groups have fewer than
    `JUDGED_FROM` organisations, too few to judge; they occur naturally and are not planted.
  In the slow, barrier-heavy and dip groups the organisations advance in turns at a steady
  rate rather than along an S-curve, so that the shape shows even in a small group.

Barriers are worked on at a pace that depends on their category (`CATEGORY_PACE` in the
catalogue): some are acted on within weeks, structural ones often not for years, so a real
share is still open at the as-of date. Enabler actions succeed with realistic noise: one that
fits the barrier (a pooled budget for savings that land elsewhere, an outcomes-based contract
for payment by results) resolves it about two times in three, one that does not about one
time in three; the rest help in part or make no difference, and another try may follow.

The lead's trust has not yet recorded the newest innovation trusts like it adopt, so its home
page offers to start one.

Everything is drawn from one `random.Random(seed)` in a fixed order, so the same seed and
as-of date give the same content on SQLite and PostgreSQL. The work per record is a fixed
number of draws and records are inserted in bulk, so `stress` seeds in minutes.
"""

import datetime
import hashlib
import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from tqdm import tqdm

from adoption.accounts.models import Membership, Role
from adoption.barriers.models import (
    REVIEW_DAYS,
    STAGE_ORDER,
    ActionOutcome,
    Adoption,
    Barrier,
    BarrierCategory,
    BarrierStatus,
    Complexity,
    EnablerAction,
    EnablerType,
    Route,
    Severity,
    Stage,
    StageChange,
)
from adoption.dashboards.models import DataVersion
from adoption.dashboards.quarters import last_complete_quarter, quarter_start
from adoption.dashboards.rollups import rebuild_spread_rollup
from adoption.dashboards.tallies import rebuild_tallies
from adoption.demo import demo_catalogue as catalogue
from adoption.demo.demo_escalations import build_escalations
from adoption.demo.demo_notifications import build_follows
from adoption.escalations.models import Escalation, EscalationEvent
from adoption.notifications.models import Follow, OptOut, Sent
from adoption.registry.models import (
    Innovation,
    Organisation,
    OrganisationType,
    Pathway,
    PathwayStep,
)
from adoption.registry.services import load_nhs_england_icbs, refresh_icb_rollups

Org = OrganisationType
BATCH = 5000


@dataclass(frozen=True)
class Scale:
    organisations: dict  # organisation type -> how many demo organisations of it
    innovations: int
    barriers: int


_NATIONAL_ORGANISATIONS = {
    Org.ACUTE_TRUST: 135,
    Org.MENTAL_HEALTH_TRUST: 50,
    Org.COMMUNITY_TRUST: 30,
    Org.AMBULANCE_TRUST: 10,
    Org.PCN: 330,
    Org.GP_PRACTICE: 800,
    Org.LOCAL_AUTHORITY: 100,
    Org.HEALTH_INNOVATION_NETWORK: 15,
}

SCALES = {
    "small": Scale(
        organisations={
            Org.ACUTE_TRUST: 28,
            Org.MENTAL_HEALTH_TRUST: 4,
            Org.COMMUNITY_TRUST: 8,
            Org.AMBULANCE_TRUST: 4,
            Org.PCN: 14,
            Org.GP_PRACTICE: 48,
            Org.LOCAL_AUTHORITY: 6,
            Org.HEALTH_INNOVATION_NETWORK: 2,
        },
        innovations=12,
        barriers=400,
    ),
    "national": Scale(organisations=_NATIONAL_ORGANISATIONS, innovations=200, barriers=50_000),
    "stress": Scale(organisations=_NATIONAL_ORGANISATIONS, innovations=200, barriers=1_000_000),
}

ODS_PREFIX = {
    Org.ACUTE_TRUST: "ZA",
    Org.MENTAL_HEALTH_TRUST: "ZM",
    Org.COMMUNITY_TRUST: "ZC",
    Org.AMBULANCE_TRUST: "ZB",
    Org.PCN: "ZP",
    Org.GP_PRACTICE: "ZG",
    Org.LOCAL_AUTHORITY: "ZL",
    Org.HEALTH_INNOVATION_NETWORK: "ZH",
}
NAME_SUFFIX = {
    Org.ACUTE_TRUST: "Hospitals NHS Trust",
    Org.MENTAL_HEALTH_TRUST: "Mental Health NHS Trust",
    Org.COMMUNITY_TRUST: "Community Health NHS Trust",
    Org.AMBULANCE_TRUST: "Ambulance Service NHS Trust",
    Org.PCN: "Primary Care Network",
    Org.GP_PRACTICE: "Surgery",
    Org.LOCAL_AUTHORITY: "Council",
    Org.HEALTH_INNOVATION_NETWORK: "Health Innovation Network",
}
ROUTE_SPEED = {Route.MANDATED: 0.8, Route.CO_DEVELOPED: 1.35, Route.LOCAL: 1.0}
GENERAL_CATEGORY_WEIGHTS = {
    "silo-working": 8,
    "change-spans-services": 6,
    "savings-land-elsewhere": 6,
    "payment-by-results": 5,
    "savings-pressure": 9,
    "no-upfront-funding": 8,
    "national-rules": 4,
    "regulation": 4,
    "procurement": 6,
    "workforce-capacity": 12,
    "interoperability": 9,
    "evidence-acceptance": 6,
    "culture-leadership": 5,
    "other": 2,
}
NATIONAL_BODY = ("X24", "NHS England (demo national team)")
DEMO_USERS = {
    "admin": "Administrator (superuser)",
    "national": "National team: reads every organisation",
    "lead": "Innovation lead at one acute trust",
    "lead_other": "Innovation lead at another acute trust",
    "icb": "ICB lead at the lead's integrated care board: answers its escalations",
}

# How often barriers are logged for an adoption at each stage (relative).
STAGE_BARRIER_WEIGHT = {
    Stage.NOT_STARTED: 0.3,
    Stage.EXPLORING: 1.0,
    Stage.BUSINESS_CASE: 1.6,
    Stage.PILOTING: 1.6,
    Stage.IMPLEMENTING: 1.3,
    Stage.EMBEDDED: 1.0,
    Stage.DECLINED: 1.2,
    Stage.ABANDONED: 1.5,
}
# The chance an action resolves its barrier, by whether the enabler fits the barrier.
RESOLVES = {True: 0.7, False: 0.35}
# At most this many actions on one barrier; after each that did not resolve it, 60% try again.
ATTEMPTS = 3
# The kinds of organisation a barrier spanning services names as partners.
PARTNER_TYPES = (
    Org.ACUTE_TRUST,
    Org.COMMUNITY_TRUST,
    Org.PCN,
    Org.LOCAL_AUTHORITY,
    Org.AMBULANCE_TRUST,
)


class Shape(StrEnum):
    """The deliberate shapes of a group's spread (see the module docstring)."""

    STALL = "stall"
    SATURATED = "saturated"
    SLOW_STEADY = "slow but steady"
    LATE_LAUNCH = "late launch"
    BARRIER_HEAVY = "barrier-heavy but progressing"
    DIP_RECOVER = "dip and recover"


# Complete quarters without an advance at the as-of date, one planted stall after another:
# the youngest and the oldest first, so that even a few stalls span the range.
STALL_AGES = (4, 17, 8, 5, 12)
# Groups of fewer organisations than this are too small to judge.
JUDGED_FROM = 5
# Planted stalls need room for an active baseline as well as the stall.
STALL_GROUP_FROM = 7


class DecoyNeeds(NamedTuple):
    """What a group needs for a decoy's shape to show."""

    years_out: float  # since its innovation launched
    fewest: int  # organisations
    most: int = 1_000_000


# The dip needs a busy group to show, so it is placed first; one advance a quarter is slow only
# where there are not too many organisations to make it.
GROUP_DECOYS = {
    Shape.DIP_RECOVER: DecoyNeeds(years_out=3.5, fewest=6),
    Shape.SATURATED: DecoyNeeds(years_out=4, fewest=JUDGED_FROM),
    Shape.SLOW_STEADY: DecoyNeeds(years_out=2, fewest=JUDGED_FROM, most=20),
    Shape.BARRIER_HEAVY: DecoyNeeds(years_out=2, fewest=JUDGED_FROM),
}
# Groups whose organisations advance in turns at a steady rate rather than along an S-curve.
STEADY_SHAPES = frozenset({Shape.SLOW_STEADY, Shape.BARRIER_HEAVY, Shape.DIP_RECOVER})
# Groups whose barriers are logged three times as often and cluster in the characteristic
# categories.
BARRIER_HEAVY_SHAPES = frozenset({Shape.STALL, Shape.BARRIER_HEAVY})


@dataclass(frozen=True)
class GroupPlan:
    """The shape planted in one innovation × region group."""

    shape: str
    # Stall: the day advances stop. Dip: the first day of the pause.
    stop: datetime.date | None = None
    # Dip: the day advances resume.
    resume: datetime.date | None = None
    # Stall: the share of organisations that have started exploring by the stop.
    started_share: float = 0.0
    # Stall: complete quarters without an advance at the as-of date.
    age: int = 0
    # Steady shapes: the group's advances a quarter, its organisations taking turns.
    per_quarter: float = 0.0


# Every group of a late-launch innovation.
LATE = GroupPlan(Shape.LATE_LAUNCH)


@dataclass
class PlannedAdoption:
    innovation: int  # index into the innovation plan
    organisation: Organisation
    route: str
    milestones: list  # [(stage, date)] up to the as-of date, first is not_started
    shape: str | None  # the planted shape of its group, if any
    weight: float

    @property
    def stalled_group(self):
        return self.shape == Shape.STALL

    @property
    def barrier_heavy(self):
        return self.shape in BARRIER_HEAVY_SHAPES


def quarters_back(as_of, count):
    """The first day of the `count`-th complete quarter before the as-of date's quarter."""
    start = last_complete_quarter(as_of)
    for _ in range(count - 1):
        start = quarter_start(start - datetime.timedelta(days=1))
    return start


def years_before(as_of, years):
    return as_of - datetime.timedelta(days=int(365.25 * years))


def _place_name(rng, used):
    while True:
        name = rng.choice(catalogue.PLACE_STEMS) + rng.choice(catalogue.PLACE_ENDINGS)
        if name not in used:
            used.add(name)
            return name
        if len(used) > 300:
            name = f"{name} {len(used)}"
            used.add(name)
            return name


class DemoBuilder:
    def __init__(self, *, scale, seed, as_of, password, progress=True, stdout=None):
        self.scale = SCALES[scale]
        self.scale_name = scale
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.password = password
        self.progress = progress
        self.stdout = stdout
        self.history_start = datetime.date(as_of.year - 6, 1, 1)

    # --- helpers ------------------------------------------------------------------------

    def _bar(self, total, desc):
        return tqdm(
            total=total,
            desc=desc,
            unit=" rows",
            disable=None if self.progress else True,
            leave=False,
        )

    def _date_between(self, start, end):
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    # --- reference data -----------------------------------------------------------------

    def build_organisations(self):
        load_nhs_england_icbs()
        regions = list(Organisation.objects.regions().order_by("ods_code"))
        icbs = list(Organisation.objects.icbs().order_by("ods_code"))
        open_icbs = [icb for icb in icbs if icb.closed_on is None]
        closed_icbs = [icb for icb in icbs if icb.closed_on is not None]
        national, _ = Organisation.objects.update_or_create(
            ods_code=NATIONAL_BODY[0],
            defaults={"name": NATIONAL_BODY[1], "org_type": Org.NATIONAL_BODY},
        )
        self.national_body = national

        rng = self.rng
        used_names = set()
        new = []
        for org_type, count in self.scale.organisations.items():
            for number in range(1, count + 1):
                code = (
                    f"{ODS_PREFIX[org_type]}{number:04d}"
                    if org_type
                    in (
                        Org.PCN,
                        Org.GP_PRACTICE,
                    )
                    else f"{ODS_PREFIX[org_type]}{number:03d}"
                )
                # Most organisations sit under an open ICB; one in six still names an ICB
                # that closed in 2026, whose records must roll up to its successor.
                icb = rng.choice(closed_icbs if rng.random() < 1 / 6 else open_icbs)
                place = _place_name(rng, used_names)
                new.append(
                    Organisation(
                        ods_code=code,
                        name=f"{place} {NAME_SUFFIX[org_type]} (demo)",
                        org_type=org_type,
                        region_id=icb.region_id,
                        parent=icb if org_type != Org.HEALTH_INNOVATION_NETWORK else None,
                        opened_on=datetime.date(2013, 4, 1),
                        is_active=True,
                    )
                )
        Organisation.objects.bulk_create(new, batch_size=BATCH)
        # GP practices belong to a PCN in the same ICB where there is one.
        organisations = list(
            Organisation.objects.exclude(org_type__in=[Org.REGION]).order_by("ods_code")
        )
        pcns_by_icb = {}
        for org in organisations:
            if org.org_type == Org.PCN:
                pcns_by_icb.setdefault(org.parent_id, []).append(org)
        practices = []
        for org in organisations:
            if org.org_type == Org.GP_PRACTICE and pcns_by_icb.get(org.parent_id):
                org.parent = rng.choice(pcns_by_icb[org.parent_id])
                practices.append(org)
        Organisation.objects.bulk_update(practices, ["parent"], batch_size=BATCH)
        refresh_icb_rollups()
        self.regions = regions
        self.organisations = list(
            Organisation.objects.filter(org_type__in=list(self.scale.organisations)).order_by(
                "ods_code"
            )
        )
        self.by_icb_and_type = {}
        self.by_region_and_type = {}
        for org in self.organisations:
            self.by_icb_and_type.setdefault((org.icb_id, org.org_type), []).append(org)
            self.by_region_and_type.setdefault((org.region_id, org.org_type), []).append(org)
        acute = [org for org in self.organisations if org.org_type == Org.ACUTE_TRUST]
        self.lead_organisation, self.other_lead_organisation = acute[0], acute[1]

    def build_pathways(self):
        pathways = {}
        for name, steps in catalogue.PATHWAYS:
            pathway = Pathway.objects.create(
                name=name, description=f"The {name.lower()} pathway across services."
            )
            PathwayStep.objects.bulk_create(
                PathwayStep(pathway=pathway, position=position, name=step, org_type=org_type)
                for position, (step, org_type) in enumerate(steps, start=1)
            )
            pathways[name] = pathway
        self.pathways = pathways

    def build_innovations(self):
        rng = self.rng
        span = (self.as_of - self.history_start).days
        plans = []
        archetypes = catalogue.INNOVATION_ARCHETYPES
        for number in range(self.scale.innovations):
            base_name, category, adopters, characteristic, pathway, reference = archetypes[
                number % len(archetypes)
            ]
            name = base_name
            wave = number // len(archetypes)
            if wave:
                name = f"{name} (demo variant {wave + 1})"
            innovation = Innovation.objects.create(
                name=name,
                category=category,
                description=f"Synthetic demo innovation modelled on {base_name.lower()}.",
                evidence_reference=reference,
                national_programme=rng.choice(
                    [
                        "",
                        "",
                        "Accelerated Access Collaborative",
                        "MedTech Funding Mandate",
                        "Innovation Ecosystem Programme",
                    ]
                ),
                adopter_types=[str(t) for t in adopters],
            )
            innovation.pathways.set([self.pathways[pathway]])
            launch = self.history_start + datetime.timedelta(
                days=int(span * rng.uniform(0.0, 0.55))
            )
            plans.append(
                {
                    "innovation": innovation,
                    "adopters": set(adopters),
                    "characteristic": characteristic,
                    "pathway": self.pathways[pathway],
                    "launch": launch,
                    "spread_days": rng.randint(700, 1900),
                }
            )
        self.region_speed = {region.id: rng.uniform(0.65, 1.4) for region in self.regions}
        self.innovation_plans = plans
        self.plan_shapes()
        self.unrecorded = self._newest_for_the_lead()

    # --- planted shapes -----------------------------------------------------------------

    def plan_shapes(self):
        """Choose the late launches, then the planted stalls, then the group decoys, moving
        the launch of the innovations whose shape needs it. Fills `self.groups`:
        {(innovation index, region id): GroupPlan}."""
        rng = self.rng
        plans = self.innovation_plans
        self.group_sizes = {
            (index, region.id): sum(
                len(self.by_region_and_type.get((region.id, org_type), ()))
                for org_type in plan["adopters"]
            )
            for index, plan in enumerate(plans)
            for region in self.regions
        }
        self.groups = {}
        order = list(range(len(plans)))
        rng.shuffle(order)
        judged = [index for index in order if self._regions_from(index, JUDGED_FROM)]
        late = judged[: max(1, round(len(plans) * 0.05))]
        for index in late:
            self._launch_late(index)
        stalling = [
            index
            for index in order
            if index not in late and self._regions_from(index, STALL_GROUP_FROM)
        ][: max(len(STALL_AGES), round(len(plans) * 0.3))]
        for number, index in enumerate(stalling):
            self._plant_stall(index, STALL_AGES[number % len(STALL_AGES)])
        self._plant_decoys(late=set(late), stalling=set(stalling))

    def _regions_from(self, index, size):
        """The regions where at least `size` organisations can adopt this innovation."""
        return [region for region in self.regions if self.group_sizes[(index, region.id)] >= size]

    def _launch_late(self, index):
        """An innovation launched 12–18 months ago, spreading briskly everywhere."""
        plan = self.innovation_plans[index]
        plan["launch"] = self.as_of - datetime.timedelta(days=self.rng.randint(365, 550))
        plan["spread_days"] = self.rng.randint(700, 1100)
        for region in self.regions:
            self.groups[(index, region.id)] = LATE

    def _plant_stall(self, index, age):
        """Stop advances `age` complete quarters before the as-of date in one or two regions,
        the innovation having launched 14 to 20 months before the stop: time for an active
        baseline, too little for most organisations to have finished."""
        rng = self.rng
        stop = quarters_back(self.as_of, age) - datetime.timedelta(days=rng.randint(1, 45))
        plan = self.innovation_plans[index]
        plan["launch"] = max(
            self.history_start, stop - datetime.timedelta(days=rng.randint(420, 600))
        )
        regions = self._regions_from(index, STALL_GROUP_FROM)
        for _ in range(min(len(regions), rng.choice([1, 1, 2]))):
            # Larger groups more often: they have the busier baseline.
            region = rng.choices(
                regions, weights=[self.group_sizes[(index, r.id)] for r in regions]
            )[0]
            regions.remove(region)
            self.groups[(index, region.id)] = GroupPlan(
                Shape.STALL, stop=stop, started_share=rng.uniform(0.8, 0.95), age=age
            )

    def _plant_decoys(self, *, late, stalling):
        """About 6% of innovations get each decoy, in a judged group of an innovation out long
        enough for the shape; never in a late launch, and no barrier-heavy group beside a
        stall of the same innovation (it would blur the stall's "why")."""
        rng = self.rng
        plans = self.innovation_plans
        candidates = [
            (index, region)
            for index in range(len(plans))
            if index not in late
            for region in self._regions_from(index, JUDGED_FROM)
        ]
        rng.shuffle(candidates)
        per_shape = max(1, round(len(plans) * 0.06))
        for shape, needs in GROUP_DECOYS.items():
            placed = 0
            for index, region in candidates:
                key = (index, region.id)
                if (
                    placed < per_shape
                    and key not in self.groups
                    and needs.fewest <= self.group_sizes[key] <= needs.most
                    and plans[index]["launch"] <= years_before(self.as_of, needs.years_out)
                    and not (shape == Shape.BARRIER_HEAVY and index in stalling)
                ):
                    self.groups[key] = self._decoy(shape, plans[index], self.group_sizes[key])
                    placed += 1

    def _decoy(self, shape, plan, size):
        rng = self.rng
        if shape == Shape.SLOW_STEADY:
            return GroupPlan(shape, per_quarter=1)
        # Busy all along: each organisation's five advances spread over the years since launch
        # and a little beyond, so the group is still advancing at the as-of date.
        busy = size * 4.5 / ((self.as_of - plan["launch"]).days / 91)
        if shape == Shape.DIP_RECOVER:
            # A pause of 2 or 3 whole quarters, ending 4 to 6 complete quarters ago.
            pause, since = rng.choice([2, 3]), 4 + rng.randint(0, 2)
            return GroupPlan(
                shape,
                stop=quarters_back(self.as_of, since + pause),
                resume=quarters_back(self.as_of, since),
                per_quarter=busy,
            )
        if shape == Shape.BARRIER_HEAVY:
            return GroupPlan(shape, per_quarter=busy)
        return GroupPlan(shape)

    def _newest_for_the_lead(self):
        """The innovation the lead's trust has not recorded yet: the newest one trusts like it
        adopt, outside any planted group of its region."""
        lead = self.lead_organisation
        open_to_it = [
            index
            for index, plan in enumerate(self.innovation_plans)
            if lead.org_type in plan["adopters"]
            and self.groups.get((index, lead.region_id), LATE) == LATE
        ]
        return max(open_to_it, key=lambda i: self.innovation_plans[i]["launch"], default=None)

    @property
    def planted_groups(self):
        """{(innovation name, region ODS code): GroupPlan} for every planted group."""
        regions = {region.id: region.ods_code for region in self.regions}
        return {
            (self.innovation_plans[index]["innovation"].name, regions[region_id]): group
            for (index, region_id), group in self.groups.items()
        }

    @property
    def planted_stalls(self):
        """The (innovation name, region ODS code) groups where spread was made to stall."""
        return {key for key, group in self.planted_groups.items() if group.shape == Shape.STALL}

    # --- adoptions ----------------------------------------------------------------------

    def _simulate(self, index, plan, organisation, rank):
        rng = self.rng
        key = (index, organisation.region_id)
        group = self.groups.get(key)
        shape = group.shape if group else None
        route = rng.choices(
            [Route.MANDATED, Route.CO_DEVELOPED, Route.LOCAL], weights=[30, 25, 45]
        )[0]
        speed = self.region_speed[organisation.region_id] * ROUTE_SPEED[route]
        # Where this organisation sits on Rogers' curve; in a planted group, spread evenly.
        position = (rank + rng.random()) / self.group_sizes[key] if group else rng.random()
        launch = plan["launch"] + datetime.timedelta(days=rng.randint(0, 60))
        if shape in STEADY_SHAPES:
            milestones = [
                (Stage.NOT_STARTED, launch),
                *self._steady_path(launch, rank, self.group_sizes[key], group.per_quarter),
            ]
        else:
            # When it starts exploring follows Rogers' curve; once started, an organisation
            # moves through the stages at a working pace, quicker when co-developed.
            spread = self._spread_days(plan, group, speed, launch)
            starts = launch + datetime.timedelta(days=int(position * spread))
            milestones = [
                (Stage.NOT_STARTED, launch),
                *self._path(
                    max(starts, launch + datetime.timedelta(days=7)),
                    route,
                    pace=0.75 if shape == Shape.STALL else 1.0,
                ),
            ]
            milestones = self._off_ramp(milestones)
        if shape == Shape.STALL:
            milestones = self._stall(milestones, group)
        elif shape == Shape.DIP_RECOVER:
            milestones = self._pause(milestones, group)
        milestones = [m for m in milestones if m[1] <= self.as_of] or [
            (Stage.NOT_STARTED, min(launch, self.as_of))
        ]
        stage = milestones[-1][0]
        weight = STAGE_BARRIER_WEIGHT[stage] * (3.0 if shape in BARRIER_HEAVY_SHAPES else 1.0)
        return PlannedAdoption(index, organisation, route, milestones, shape, weight)

    def _spread_days(self, plan, group, speed, launch):
        """Days from launch over which the group's organisations start exploring."""
        shape = group.shape if group else None
        if shape == Shape.STALL:
            # Most start before the stop.
            return (group.stop - launch).days / group.started_share
        if shape == Shape.SATURATED:
            # All start early enough to have finished long before the as-of date.
            return min(plan["spread_days"] / speed, 0.35 * (self.as_of - launch).days)
        return plan["spread_days"] / speed

    def _path(self, start, route, *, pace):
        """The stages from exploring on `start` to embedded: `pace` times the usual gaps up to
        implementing, then the months implementing takes."""
        rng = self.rng
        path = [(Stage.EXPLORING, start)]
        for stage in (Stage.BUSINESS_CASE, Stage.PILOTING, Stage.IMPLEMENTING):
            gap = int(rng.randint(45, 170) * pace / ROUTE_SPEED[route])
            path.append((stage, path[-1][1] + datetime.timedelta(days=gap)))
        gap = rng.randint(120, 400)
        path.append((Stage.EMBEDDED, path[-1][1] + datetime.timedelta(days=gap)))
        return path

    def _steady_path(self, launch, rank, size, per_quarter):
        """The group makes `per_quarter` advances a quarter, its `size` organisations taking
        turns: the one at `rank` first after `rank + 1` turns, then every `size` turns."""
        days_a_turn = 91 / per_quarter
        return [
            (
                stage,
                launch
                + datetime.timedelta(
                    days=max(
                        7,
                        int(days_a_turn * (rank + 1 + turn * size)) + self.rng.randint(-30, 30),
                    )
                ),
            )
            for turn, stage in enumerate(STAGE_ORDER[1:])
        ]

    def _off_ramp(self, milestones):
        """A few decline early on, or abandon after piloting."""
        rng = self.rng
        off_ramp = rng.random()
        if off_ramp < 0.03:
            cut, stage, days = rng.randint(1, 2), Stage.DECLINED, rng.randint(30, 200)
        elif off_ramp < 0.05:
            cut, stage, days = rng.randint(3, 4), Stage.ABANDONED, rng.randint(60, 300)
        else:
            return milestones
        return [
            *milestones[: cut + 1],
            (stage, milestones[cut][1] + datetime.timedelta(days=days)),
        ]

    def _stall(self, milestones, group):
        """Nobody advances from the stop on."""
        return [milestones[0], *(m for m in milestones[1:] if m[1] < group.stop)]

    def _pause(self, milestones, group):
        """Dip and recover: everything due from the pause on happens that much later."""
        shift = group.resume - group.stop
        return [
            milestones[0],
            *((stage, on + shift if on >= group.stop else on) for stage, on in milestones[1:]),
        ]

    def build_adoptions(self):
        planned, ranks = [], {}
        for index, plan in enumerate(self.innovation_plans):
            for organisation in self.organisations:
                if organisation.org_type not in plan["adopters"] or (
                    index == self.unrecorded and organisation == self.lead_organisation
                ):
                    continue
                key = (index, organisation.region_id)
                ranks[key] = rank = ranks.get(key, -1) + 1
                planned.append(self._simulate(index, plan, organisation, rank))
        adoptions = [
            Adoption(
                innovation_id=self.innovation_plans[p.innovation]["innovation"].id,
                organisation_id=p.organisation.id,
                stage=p.milestones[-1][0],
                stage_changed_on=p.milestones[-1][1],
                route=p.route,
            )
            for p in planned
        ]
        with self._bar(len(adoptions), "adoptions") as bar:
            for start in range(0, len(adoptions), BATCH):
                chunk = adoptions[start : start + BATCH]
                Adoption.objects.bulk_create(chunk, batch_size=BATCH)
                bar.update(len(chunk))
        changes = []
        for adoption, p in zip(adoptions, planned, strict=True):
            previous = ""
            for stage, on in p.milestones:
                changes.append(
                    StageChange(
                        adoption_id=adoption.pk,
                        from_stage=previous,
                        to_stage=stage,
                        changed_on=on,
                    )
                )
                previous = stage
        with self._bar(len(changes), "stage changes") as bar:
            for start in range(0, len(changes), BATCH):
                chunk = changes[start : start + BATCH]
                StageChange.objects.bulk_create(chunk, batch_size=BATCH)
                bar.update(len(chunk))
        self.planned = planned
        self.stage_change_count = len(changes)

    # --- barriers -----------------------------------------------------------------------

    def build_barriers(self):
        rng = self.rng
        self.category_ids = dict(BarrierCategory.objects.values_list("slug", "id"))
        self.enabler_ids = dict(EnablerType.objects.values_list("slug", "id"))
        self.general_slugs = [s for s in GENERAL_CATEGORY_WEIGHTS if s in self.category_ids]
        self.general_weights = [GENERAL_CATEGORY_WEIGHTS[slug] for slug in self.general_slugs]
        self.unfitting = {
            slug: [s for s in sorted(self.enabler_ids) if s not in fitting]
            for slug, fitting in catalogue.FITTING_ENABLERS.items()
        }
        total_weight = sum(p.weight for p in self.planned) or 1
        target = self.scale.barriers
        Partner = Barrier.partners.through

        self.barrier_count = 0
        self.action_count = 0
        pending_barriers = []

        def flush():
            if not pending_barriers:
                return
            Barrier.objects.bulk_create([b for b, _, _ in pending_barriers], batch_size=BATCH)
            actions = []
            partners = []
            for barrier, barrier_actions, barrier_partners in pending_barriers:
                for action in barrier_actions:
                    action.barrier_id = barrier.pk
                    action.innovation_id = barrier.innovation_id
                    action.organisation_id = barrier.organisation_id
                    actions.append(action)
                for partner in barrier_partners:
                    partners.append(Partner(barrier_id=barrier.pk, organisation_id=partner))
            EnablerAction.objects.bulk_create(actions, batch_size=BATCH)
            Partner.objects.bulk_create(partners, batch_size=BATCH)
            self.barrier_count += len(pending_barriers)
            self.action_count += len(actions)
            bar.update(len(pending_barriers))
            pending_barriers.clear()

        with self._bar(target, "barriers") as bar:
            for p in self.planned:
                expected = target * p.weight / total_weight
                count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
                if not count:
                    continue
                plan = self.innovation_plans[p.innovation]
                for _ in range(count):
                    pending_barriers.append(self._barrier(p, plan))
                if len(pending_barriers) >= BATCH:
                    flush()
            flush()

    def _barrier(self, p, plan):
        rng = self.rng
        organisation = p.organisation
        first_day = p.milestones[0][1] + datetime.timedelta(days=14)
        if p.stalled_group:
            # Logged around and after the stage it stuck at.
            first_day = max(first_day, p.milestones[-1][1] - datetime.timedelta(days=120))
        identified = min(self._date_between(first_day, self.as_of), self.as_of)
        slug = self._category(p, plan)
        severity = rng.choices(
            [1, 2, 3, 4], weights=[10, 25, 40, 25] if p.barrier_heavy else [25, 35, 28, 12]
        )[0]
        status, resolved_on, actions = self._work_on(p, slug, identified)
        cost, savings, savings_org = self._money(slug, organisation)
        # Foreign keys by id: setting them through their descriptors costs more than the rest
        # of a barrier, a million times over at the stress scale.
        barrier = Barrier(
            innovation_id=plan["innovation"].id,
            organisation_id=organisation.id,
            pathway_id=plan["pathway"].id if rng.random() < 0.5 else None,
            category_id=self.category_ids[slug],
            severity=severity,
            status=status,
            identified_on=identified,
            resolved_on=resolved_on,
            description=catalogue.BARRIER_STORIES[slug].format(
                innovation=plan["innovation"].name,
                partner=(savings_org.name if savings_org else "partner organisations"),
            ),
            savings_organisation_id=savings_org.id if savings_org else None,
            cost_borne_gbp=Decimal(cost) if cost is not None else None,
            savings_elsewhere_gbp=Decimal(savings) if savings is not None else None,
            complexity=rng.choice(
                [
                    Complexity.SIMPLE,
                    Complexity.COMPLICATED,
                    Complexity.COMPLICATED,
                    Complexity.COMPLEX,
                ]
            ),
            next_review_on=identified + datetime.timedelta(days=REVIEW_DAYS[Severity(severity)]),
            is_confidential=rng.random() < 0.07,
        )
        return barrier, actions, self._partners(slug, organisation)

    def _category(self, p, plan):
        """Where a group was made barrier-heavy, mostly the innovation's characteristic
        categories; elsewhere those a little more often than the general mix."""
        rng = self.rng
        draw = rng.random()
        characteristic = plan["characteristic"]
        if p.barrier_heavy and draw < 0.55:
            return characteristic[0]
        if p.barrier_heavy and draw < 0.7:
            return characteristic[1]
        if not p.barrier_heavy and draw < 0.2:
            return rng.choice(characteristic)
        return rng.choices(self.general_slugs, weights=self.general_weights)[0]

    def _work_on(self, p, slug, identified):
        """What was done about a barrier by the as-of date: (status, resolved on, actions).

        Someone acts on it with a chance set by its category, after a few weeks; the enabler
        fits the barrier more often when the innovation was co-developed, less often in a
        stall. An action takes a time drawn around its category's typical days (longer when
        it does not fit) and resolves the barrier, helps in part or makes no difference
        (`_outcome`); after one that did not resolve it, most try again. Some barriers
        are accepted as things to live with. Anything not finished by the as-of date is
        still open, or being addressed."""
        rng = self.rng
        act_chance, typical_days = catalogue.CATEGORY_PACE[slug]
        fit_chance = 0.75 if p.route == Route.CO_DEVELOPED else 0.55
        if p.stalled_group:
            act_chance, fit_chance = act_chance * 0.7, fit_chance - 0.2
        fitting = catalogue.FITTING_ENABLERS[slug]
        actions, day = [], identified
        if rng.random() < act_chance:
            for _attempt in range(ATTEMPTS):
                started = day + datetime.timedelta(days=int(rng.expovariate(1 / 45)))
                if started > self.as_of:
                    break
                fits = rng.random() < fit_chance
                enabler = self.enabler_ids[rng.choice(fitting if fits else self.unfitting[slug])]
                scale = typical_days / 2 if fits else typical_days * 0.75
                days = 14 + rng.gammavariate(2.0, scale)
                completed = started + datetime.timedelta(days=int(days))
                if completed > self.as_of:
                    actions.append(self._action(enabler, started, None, ActionOutcome.IN_PROGRESS))
                    return BarrierStatus.BEING_ADDRESSED, None, actions
                outcome = self._outcome(p, fits)
                actions.append(self._action(enabler, started, completed, outcome))
                if outcome == ActionOutcome.RESOLVED:
                    return BarrierStatus.RESOLVED, completed, actions
                day = completed
                if rng.random() < 0.4:
                    break
        if rng.random() < 0.1:
            accepted = day + datetime.timedelta(days=rng.randint(30, 400))
            if accepted <= self.as_of:
                return BarrierStatus.ACCEPTED, accepted, actions
        return BarrierStatus.OPEN, None, actions

    def _outcome(self, p, fits):
        """A fitting enabler resolves the barrier about 70% of the time (78% co-developed,
        55% in a stall), another about 35% (43%, 20%); the rest split between helping in part
        and making no difference."""
        resolves = RESOLVES[fits]
        if p.route == Route.CO_DEVELOPED:
            resolves += 0.08
        if p.stalled_group:
            resolves -= 0.15
        roll = self.rng.random()
        if roll < resolves:
            return ActionOutcome.RESOLVED
        if roll < resolves + (1 - resolves) / 2:
            return ActionOutcome.PARTLY
        return ActionOutcome.NO_EFFECT

    def _money(self, slug, organisation):
        """(cost borne, savings elsewhere, where the savings land) for a barrier."""
        rng = self.rng
        if slug == "savings-land-elsewhere":
            cost = rng.randint(20, 900) * 1000
            savings_org = self._other_organisation(
                organisation,
                catalogue.SAVINGS_LAND_AT.get(organisation.org_type, [Org.ACUTE_TRUST]),
            )
            return cost, int(cost * rng.uniform(1.2, 3.0)), savings_org
        if slug == "payment-by-results":
            return rng.randint(50, 2000) * 1000, None, None
        if rng.random() < 0.25:
            return rng.randint(5, 400) * 1000, None, None
        return None, None, None

    def _partners(self, slug, organisation):
        """Partner organisations for barriers that span services."""
        if slug not in ("silo-working", "change-spans-services"):
            return []
        rng = self.rng
        other_types = [t for t in PARTNER_TYPES if t != organisation.org_type]
        partners = []
        for _ in range(rng.choice([1, 1, 2])):
            partner = self._other_organisation(organisation, [rng.choice(other_types)])
            if partner and partner.id not in partners:
                partners.append(partner.id)
        return partners

    def _action(self, enabler_id, started, completed, outcome):
        return EnablerAction(
            enabler_type_id=enabler_id,
            owner=self.rng.choice(
                [
                    "Innovation lead",
                    "ICB transformation team",
                    "Finance director",
                    "Clinical lead",
                    "Health Innovation Network",
                ]
            ),
            started_on=started,
            completed_on=completed,
            outcome=outcome,
        )

    def _other_organisation(self, organisation, org_types):
        rng = self.rng
        for org_type in org_types:
            candidates = self.by_icb_and_type.get(
                (organisation.icb_id, org_type)
            ) or self.by_region_and_type.get((organisation.region_id, org_type))
            if candidates:
                choice = rng.choice(candidates)
                if choice.id != organisation.id:
                    return choice
        return None

    # --- users --------------------------------------------------------------------------

    def build_users(self):
        User = get_user_model()
        admin = User(
            username="admin",
            email="admin@example.nhs.uk",
            is_staff=True,
            is_superuser=True,
            first_name="Demo",
            last_name="Administrator",
        )
        national = User(
            username="national",
            email="national@example.nhs.uk",
            first_name="Demo",
            last_name="National team",
        )
        lead = User(
            username="lead",
            email="lead@example.nhs.uk",
            first_name="Demo",
            last_name="Innovation lead",
        )
        other = User(
            username="lead_other",
            email="lead.other@example.nhs.uk",
            first_name="Other",
            last_name="Innovation lead",
        )
        icb = User(
            username="icb",
            email="icb@example.nhs.uk",
            first_name="Demo",
            last_name="ICB lead",
        )
        for user in (admin, national, lead, other, icb):
            user.set_password(self.password)
            user.save()
        self.users = {"admin": admin, "national": national, "lead": lead, "icb": icb}
        Membership.objects.bulk_create(
            [
                Membership(
                    user=national, organisation=self.national_body, role=Role.NATIONAL_TEAM
                ),
                Membership(
                    user=lead, organisation=self.lead_organisation, role=Role.INNOVATION_LEAD
                ),
                Membership(
                    user=other,
                    organisation=self.other_lead_organisation,
                    role=Role.INNOVATION_LEAD,
                ),
                Membership(user=icb, organisation=self.lead_organisation.icb, role=Role.ICB_LEAD),
            ]
        )

    def build(self):
        with transaction.atomic():
            self.build_organisations()
            self.build_pathways()
            self.build_innovations()
            self.build_adoptions()
            self.build_barriers()
            self.build_users()
            self.escalation_count = build_escalations(
                lead_organisation=self.lead_organisation, users=self.users, as_of=self.as_of
            )
            self.follow_count = build_follows(
                users=self.users,
                lead_organisation=self.lead_organisation,
                planted_stalls=self.planted_stalls,
            )
            rebuild_spread_rollup()
            rebuild_tallies()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Outside a transaction, VACUUM too: it marks the freshly loaded pages
                # all-visible, so the dashboards' index-only scans need not visit the table.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        return {
            "organisations": Organisation.objects.count(),
            "innovations": len(self.innovation_plans),
            "adoptions": len(self.planned),
            "stage changes": self.stage_change_count,
            "barriers": self.barrier_count,
            "enabler actions": self.action_count,
            "escalations": self.escalation_count,
            "follows": self.follow_count,
            "planted stalls": len(self.planted_stalls),
            "decoy groups": sum(group.shape in GROUP_DECOYS for group in self.groups.values()),
        }

    def story(self):
        """The planted shapes in words, for the seed command to print."""
        groups = self.groups.values()
        ages = Counter(group.age for group in groups if group.shape == Shape.STALL)
        decoys = [
            f"{sum(group.shape == shape for group in groups)} {shape}" for shape in GROUP_DECOYS
        ]
        late = {
            index for (index, _), group in self.groups.items() if group.shape == Shape.LATE_LAUNCH
        }
        return [
            "Planted stalls, by complete quarters without an advance: "
            + ", ".join(f"{age} quarters × {ages[age]}" for age in sorted(ages))
            + ".",
            f"Decoy groups: {', '.join(decoys)}; late-launch innovations: {len(late)}.",
        ]


DOMAIN_MODELS = [
    Sent,
    OptOut,
    Follow,
    EscalationEvent,
    Escalation,
    EnablerAction,
    Barrier.partners.through,
    Barrier,
    StageChange,
    Adoption,
    Membership,
]


def domain_has_data():
    return Organisation.objects.exists() or get_user_model().objects.exists()


@transaction.atomic
def clear_domain_data():
    """Remove every record the demo creates, keeping the taxonomies."""
    from django.apps import apps

    history = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    # The roll-ups and tallies count the records removed here.
    derived = [m for m in apps.get_app_config("dashboards").get_models() if m is not DataVersion]
    User = get_user_model()
    tables = [
        m._meta.db_table
        for m in [
            *history,
            *derived,
            *DOMAIN_MODELS,
            Innovation.pathways.through,
            PathwayStep,
            Pathway,
            Innovation,
        ]
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Fire deferred foreign-key checks first: TRUNCATE refuses while any are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        for model in [
            *history,
            *derived,
            *DOMAIN_MODELS,
            Innovation.pathways.through,
            PathwayStep,
            Pathway,
            Innovation,
        ]:
            model.objects.all()._raw_delete(model.objects.db)
    Organisation.successors.through.objects.all().delete()
    Organisation.objects.update(parent=None, icb=None, rolls_up_to=None, region=None)
    Organisation.objects.all().delete()
    User.objects.all().delete()


def content_digest():
    """A SHA-256 over the demo content in a form independent of ids and timestamps."""
    digest = hashlib.sha256()

    def feed(rows):
        for row in sorted(rows, key=repr):
            digest.update(repr(row).encode())
        digest.update(b"|")

    feed(
        Organisation.objects.values_list(
            "ods_code",
            "name",
            "org_type",
            "region__ods_code",
            "parent__ods_code",
            "icb__ods_code",
            "opened_on",
            "closed_on",
            "is_active",
        )
    )
    feed(
        Innovation.objects.values_list(
            "name",
            "category",
            "description",
            "evidence_reference",
            "national_programme",
            "pathways__name",
        )
    )
    feed(
        Adoption.objects.values_list(
            "innovation__name", "organisation__ods_code", "stage", "stage_changed_on", "route"
        )
    )
    feed(
        StageChange.objects.values_list(
            "adoption__innovation__name",
            "adoption__organisation__ods_code",
            "from_stage",
            "to_stage",
            "changed_on",
        )
    )
    feed(
        Barrier.objects.values_list(
            "innovation__name",
            "organisation__ods_code",
            "category__slug",
            "severity",
            "status",
            "identified_on",
            "resolved_on",
            "description",
            "savings_organisation__ods_code",
            "cost_borne_gbp",
            "savings_elsewhere_gbp",
            "complexity",
            "next_review_on",
            "is_confidential",
            "partners__ods_code",
        )
    )
    feed(
        EnablerAction.objects.values_list(
            "barrier__innovation__name",
            "barrier__organisation__ods_code",
            "barrier__identified_on",
            "enabler_type__slug",
            "owner",
            "started_on",
            "completed_on",
            "outcome",
        )
    )
    feed(Membership.objects.values_list("user__username", "organisation__ods_code", "role"))
    return digest.hexdigest()
