"""Deterministic demo data at three scales, telling a story the dashboards can find.

The story: each innovation launches on a date and spreads through the organisations that can
adopt it along an S-curve whose pace differs by region and by route of arrival (co-developed
spreads faster than mandated). In a few innovation × region groups spread stalls: from a date
about two years ago nobody there advances, and the barriers logged there cluster in the
innovation's characteristic category (savings landing in primary care for an acute-funded
innovation, payment by results for admission avoidance, …). Barriers elsewhere are mostly
resolved, faster and more often when the enabler used fits the barrier (a pooled budget for
savings that land elsewhere, an outcomes-based contract for payment by results).

Everything is drawn from one `random.Random(seed)` in a fixed order, so the same seed and
as-of date give the same content on SQLite and PostgreSQL.
"""

import datetime
import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from tqdm import tqdm

from adoption.accounts.models import Membership, Role
from adoption.barriers.models import (
    REVIEW_DAYS,
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
from adoption.dashboards.rollups import rebuild_spread_rollup
from adoption.dashboards.tallies import rebuild_tallies
from adoption.demo import demo_catalogue as catalogue
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
            Org.ACUTE_TRUST: 14,
            Org.MENTAL_HEALTH_TRUST: 4,
            Org.COMMUNITY_TRUST: 6,
            Org.AMBULANCE_TRUST: 3,
            Org.PCN: 10,
            Org.GP_PRACTICE: 24,
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
}


@dataclass
class PlannedAdoption:
    innovation: int  # index into the innovation plan
    organisation: Organisation
    route: str
    milestones: list  # [(stage, date)] up to the as-of date, first is not_started
    stalled_group: bool
    weight: float


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
        # Plant stalls: in one or two regions an innovation stops spreading early on, a year
        # or so after launch, and at least two years (eight quarters) before the as-of date.
        self.stalls = {}
        for index, plan in enumerate(plans):
            if rng.random() > 0.45:
                continue
            for region in rng.sample(self.regions, rng.choice([1, 1, 2])):
                stall_start = plan["launch"] + datetime.timedelta(days=rng.randint(250, 500))
                if (self.as_of - stall_start).days >= 760:
                    self.stalls[(index, region.id)] = stall_start
        self.region_speed = {region.id: rng.uniform(0.65, 1.4) for region in self.regions}
        self.innovation_plans = plans

    @property
    def planted_stalls(self):
        """The (innovation name, region ODS code) groups where spread was made to stall."""
        regions = {region.id: region.ods_code for region in self.regions}
        return {
            (self.innovation_plans[index]["innovation"].name, regions[region_id])
            for index, region_id in self.stalls
        }

    # --- adoptions ----------------------------------------------------------------------

    def _simulate(self, index, plan, organisation):
        rng = self.rng
        route = rng.choices(
            [Route.MANDATED, Route.CO_DEVELOPED, Route.LOCAL], weights=[30, 25, 45]
        )[0]
        speed = self.region_speed[organisation.region_id] * ROUTE_SPEED[route]
        position = rng.random()  # where this organisation sits on Rogers' curve
        launch = plan["launch"] + datetime.timedelta(days=rng.randint(0, 60))
        # When it starts exploring follows Rogers' curve; once started, an organisation moves
        # through the stages at a working pace, quicker when the innovation was co-developed.
        starts = launch + datetime.timedelta(days=int(position * plan["spread_days"] / speed))
        milestones = [
            (Stage.NOT_STARTED, launch),
            (Stage.EXPLORING, max(starts, launch + datetime.timedelta(days=7))),
        ]
        for stage in (Stage.BUSINESS_CASE, Stage.PILOTING, Stage.IMPLEMENTING):
            gap = int(rng.randint(45, 170) / ROUTE_SPEED[route])
            milestones.append((stage, milestones[-1][1] + datetime.timedelta(days=gap)))
        milestones.append(
            (Stage.EMBEDDED, milestones[-1][1] + datetime.timedelta(days=rng.randint(120, 400)))
        )

        off_ramp = rng.random()
        if off_ramp < 0.03:
            cut = rng.randint(1, 2)
            milestones = milestones[: cut + 1] + [
                (
                    Stage.DECLINED,
                    milestones[cut][1] + datetime.timedelta(days=rng.randint(30, 200)),
                )
            ]
        elif off_ramp < 0.05:
            cut = rng.randint(3, 4)
            milestones = milestones[: cut + 1] + [
                (
                    Stage.ABANDONED,
                    milestones[cut][1] + datetime.timedelta(days=rng.randint(60, 300)),
                )
            ]

        stall_start = self.stalls.get((index, organisation.region_id))
        stalled_group = stall_start is not None
        if stalled_group and position > 0.1:
            milestones = [milestones[0]] + [m for m in milestones[1:] if m[1] < stall_start]
        milestones = [m for m in milestones if m[1] <= self.as_of]
        if not milestones:
            milestones = [(Stage.NOT_STARTED, min(launch, self.as_of))]
        stage = milestones[-1][0]
        weight = {
            Stage.NOT_STARTED: 0.3,
            Stage.EXPLORING: 1.0,
            Stage.BUSINESS_CASE: 1.6,
            Stage.PILOTING: 1.6,
            Stage.IMPLEMENTING: 1.3,
            Stage.EMBEDDED: 1.0,
            Stage.DECLINED: 1.2,
            Stage.ABANDONED: 1.5,
        }[stage] * (3.0 if stalled_group else 1.0)
        return PlannedAdoption(index, organisation, route, milestones, stalled_group, weight)

    def build_adoptions(self):
        planned = []
        for index, plan in enumerate(self.innovation_plans):
            for organisation in self.organisations:
                if organisation.org_type in plan["adopters"]:
                    planned.append(self._simulate(index, plan, organisation))
        adoptions = [
            Adoption(
                innovation=self.innovation_plans[p.innovation]["innovation"],
                organisation=p.organisation,
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
                        adoption=adoption, from_stage=previous, to_stage=stage, changed_on=on
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
        categories = {c.slug: c for c in BarrierCategory.objects.all()}
        enablers = {e.slug: e for e in EnablerType.objects.all()}
        general_slugs = [slug for slug in GENERAL_CATEGORY_WEIGHTS if slug in categories]
        general_weights = [GENERAL_CATEGORY_WEIGHTS[slug] for slug in general_slugs]
        enabler_slugs = sorted(enablers)
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
                    pending_barriers.append(
                        self._barrier(
                            p,
                            plan,
                            categories,
                            enablers,
                            enabler_slugs,
                            general_slugs,
                            general_weights,
                        )
                    )
                if len(pending_barriers) >= BATCH:
                    flush()
            flush()

    def _barrier(
        self, p, plan, categories, enablers, enabler_slugs, general_slugs, general_weights
    ):
        rng = self.rng
        organisation = p.organisation
        first_day = p.milestones[0][1] + datetime.timedelta(days=14)
        last_change = p.milestones[-1][1]
        identified = self._date_between(first_day, self.as_of)
        if p.stalled_group:
            identified = self._date_between(
                max(first_day, last_change - datetime.timedelta(days=120)), self.as_of
            )
        identified = min(identified, self.as_of)

        draw = rng.random()
        characteristic = plan["characteristic"]
        if p.stalled_group and draw < 0.55:
            slug = characteristic[0]
        elif p.stalled_group and draw < 0.7:
            slug = characteristic[1]
        elif not p.stalled_group and draw < 0.2:
            slug = rng.choice(characteristic)
        else:
            slug = rng.choices(general_slugs, weights=general_weights)[0]
        category = categories[slug]

        severity = rng.choices(
            [1, 2, 3, 4], weights=[10, 25, 40, 25] if p.stalled_group else [25, 35, 28, 12]
        )[0]
        advanced_since = any(on > identified for _, on in p.milestones[1:])
        resolve_chance = 0.2 if p.stalled_group else (0.85 if advanced_since else 0.45)

        status, resolved_on, actions = BarrierStatus.OPEN, None, []
        fit_chance = 0.75 if p.route == Route.CO_DEVELOPED else 0.55
        fitting = catalogue.FITTING_ENABLERS[slug]
        if rng.random() < resolve_chance:
            if rng.random() < 0.1:
                status = BarrierStatus.ACCEPTED
                resolved_on = identified + datetime.timedelta(days=rng.randint(20, 200))
            else:
                fits = rng.random() < fit_chance
                enabler = (
                    rng.choice(fitting)
                    if fits
                    else rng.choice([s for s in enabler_slugs if s not in fitting])
                )
                days = int(rng.gammavariate(2.0, 35 if fits else 110)) + 7
                started = identified + datetime.timedelta(days=rng.randint(0, min(days, 30)))
                resolved_on = identified + datetime.timedelta(days=days)
                outcome = ActionOutcome.RESOLVED
                status = BarrierStatus.RESOLVED
                if resolved_on > self.as_of:
                    resolved_on, status, outcome = (
                        None,
                        BarrierStatus.BEING_ADDRESSED,
                        ActionOutcome.IN_PROGRESS,
                    )
                actions.append(self._action(enablers[enabler], started, resolved_on, outcome))
            if resolved_on is not None and resolved_on > self.as_of:
                status, resolved_on = BarrierStatus.OPEN, None
        else:
            roll = rng.random()
            if roll < 0.35:
                status = BarrierStatus.BEING_ADDRESSED
                started = self._date_between(identified, self.as_of)
                actions.append(
                    self._action(
                        enablers[rng.choice(enabler_slugs)],
                        started,
                        None,
                        ActionOutcome.IN_PROGRESS,
                    )
                )
            elif roll < 0.5:
                # Something was tried and did not work: an enabler that does not fit.
                enabler = rng.choice([s for s in enabler_slugs if s not in fitting])
                started = self._date_between(identified, self.as_of)
                completed = self._date_between(started, self.as_of)
                actions.append(
                    self._action(enablers[enabler], started, completed, ActionOutcome.NO_EFFECT)
                )

        cost = savings = None
        savings_org = None
        partners = []
        if slug == "savings-land-elsewhere":
            cost = rng.randint(20, 900) * 1000
            savings = int(cost * rng.uniform(1.2, 3.0))
            savings_org = self._other_organisation(
                organisation,
                catalogue.SAVINGS_LAND_AT.get(organisation.org_type, [Org.ACUTE_TRUST]),
            )
        elif slug == "payment-by-results":
            cost = rng.randint(50, 2000) * 1000
        elif rng.random() < 0.25:
            cost = rng.randint(5, 400) * 1000
        if slug in ("silo-working", "change-spans-services"):
            other_types = [
                t
                for t in (
                    Org.ACUTE_TRUST,
                    Org.COMMUNITY_TRUST,
                    Org.PCN,
                    Org.LOCAL_AUTHORITY,
                    Org.AMBULANCE_TRUST,
                )
                if t != organisation.org_type
            ]
            for _ in range(rng.choice([1, 1, 2])):
                partner = self._other_organisation(organisation, [rng.choice(other_types)])
                if partner and partner.id not in partners:
                    partners.append(partner.id)

        barrier = Barrier(
            innovation=plan["innovation"],
            organisation=organisation,
            pathway=plan["pathway"] if rng.random() < 0.5 else None,
            category=category,
            severity=severity,
            status=status,
            identified_on=identified,
            resolved_on=resolved_on,
            description=catalogue.BARRIER_STORIES[slug].format(
                innovation=plan["innovation"].name,
                partner=(savings_org.name if savings_org else "partner organisations"),
            ),
            savings_organisation=savings_org,
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
        return barrier, actions, partners

    def _action(self, enabler, started, completed, outcome):
        return EnablerAction(
            enabler_type=enabler,
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
        acute = [o for o in self.organisations if o.org_type == Org.ACUTE_TRUST]
        lead_org, other_org = acute[0], acute[1]
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
        for user in (admin, national, lead, other):
            user.set_password(self.password)
            user.save()
        Membership.objects.bulk_create(
            [
                Membership(
                    user=national, organisation=self.national_body, role=Role.NATIONAL_TEAM
                ),
                Membership(user=lead, organisation=lead_org, role=Role.INNOVATION_LEAD),
                Membership(user=other, organisation=other_org, role=Role.INNOVATION_LEAD),
            ]
        )
        self.lead_organisation = lead_org

    def build(self):
        with transaction.atomic():
            self.build_organisations()
            self.build_pathways()
            self.build_innovations()
            self.build_adoptions()
            self.build_barriers()
            self.build_users()
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
            "planted stalls": len(self.stalls),
        }


DOMAIN_MODELS = [
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
