"""Adoption of innovations at organisations, the barriers that block it and what was done."""

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from adoption.registry.models import Innovation, Organisation, Pathway

# Dates before this are typing slips: the service records barriers from this century.
EARLIEST_DATE = datetime.date(2000, 1, 1)

# Money above this is a typing slip, not an NHS barrier: £1bn.
MAX_GBP = Decimal("1000000000")
MONEY_VALIDATORS = [
    MinValueValidator(0, "Enter an amount of £0 or more."),
    MaxValueValidator(MAX_GBP, "Enter an amount no larger than £1,000,000,000 (£1bn)."),
]


def new_public_id():
    """A random id for URLs, the API and downloads. Primary keys are sequential, so gaps
    between the ones a user sees would count the confidential records they may not see."""
    return secrets.token_hex(8)


PUBLIC_ID_PATTERN = "[0-9a-f]{16}"


def public_id_field():
    return models.CharField(
        "public id", max_length=16, unique=True, default=new_public_id, editable=False
    )


class NasssDomain(models.TextChoices):
    """The domains of the NASSS framework (Greenhalgh et al., 2017)."""

    CONDITION = "condition", "The condition"
    TECHNOLOGY = "technology", "The technology"
    VALUE_PROPOSITION = "value_proposition", "The value proposition"
    ADOPTERS = "adopters", "The adopters"
    ORGANISATIONS = "organisations", "The organisations"
    WIDER_SYSTEM = "wider_system", "The wider system"
    EMBEDDING = "embedding", "Embedding and adaptation over time"


class BarrierCategory(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(
        max_length=240, help_text="One plain-English line, shown beside the choice in forms."
    )
    nasss_domain = models.CharField("NASSS domain", max_length=20, choices=NasssDomain.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "barrier categories"

    def __str__(self):
        return self.name


class EnablerType(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=240)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Stage(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    EXPLORING = "exploring", "Exploring"
    BUSINESS_CASE = "business_case", "Business case"
    PILOTING = "piloting", "Piloting"
    IMPLEMENTING = "implementing", "Implementing"
    EMBEDDED = "embedded", "Embedded"
    DECLINED = "declined", "Declined"
    ABANDONED = "abandoned", "Abandoned"


# The order of progress; the two off-ramps sit outside it.
STAGE_ORDER = [
    Stage.NOT_STARTED,
    Stage.EXPLORING,
    Stage.BUSINESS_CASE,
    Stage.PILOTING,
    Stage.IMPLEMENTING,
    Stage.EMBEDDED,
]
TERMINAL_STAGES = frozenset({Stage.EMBEDDED, Stage.DECLINED, Stage.ABANDONED})
ADOPTER_STAGES = frozenset({Stage.IMPLEMENTING, Stage.EMBEDDED})


def is_advance(from_stage, to_stage):
    """True when a stage change moves an adoption forward along the order of progress."""
    if from_stage not in STAGE_ORDER or to_stage not in STAGE_ORDER:
        return False
    return STAGE_ORDER.index(to_stage) > STAGE_ORDER.index(from_stage)


class Route(models.TextChoices):
    MANDATED = "mandated", "Mandated nationally"
    CO_DEVELOPED = "co_developed", "Co-developed with national support"
    LOCAL = "local", "Local initiative"


class AdoptionQuerySet(models.QuerySet):
    def not_terminal(self):
        return self.exclude(stage__in=TERMINAL_STAGES)

    def stalled(self, *, today=None, stall_days=None):
        """Adoptions whose stage is not terminal and has not changed for STALL_DAYS days."""
        return self.filter(stalled_q(today=today, stall_days=stall_days))

    def adopters(self):
        return self.filter(stage__in=ADOPTER_STAGES)

    def for_organisation(self, organisation):
        return self.filter(organisation=organisation)


def stalled_q(*, today=None, stall_days=None, prefix=""):
    """The stall rule for one adoption, as a condition (reached through `prefix`)."""
    return ~Q(**{f"{prefix}stage__in": TERMINAL_STAGES}) & Q(
        **{f"{prefix}stage_changed_on__lte": stalled_before(today, stall_days)}
    )


def stalled_before(today=None, stall_days=None):
    """The latest stage-change date at which a non-terminal adoption counts as stalled."""
    today = today or timezone.localdate()
    stall_days = settings.STALL_DAYS if stall_days is None else stall_days
    return today - datetime.timedelta(days=stall_days)


class Adoption(models.Model):
    innovation = models.ForeignKey(Innovation, on_delete=models.PROTECT, related_name="adoptions")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="adoptions"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.NOT_STARTED)
    stage_changed_on = models.DateField(default=timezone.localdate)
    route = models.CharField(
        "route of arrival", max_length=20, choices=Route.choices, default=Route.LOCAL
    )
    no_barrier_confirmed_on = models.DateField(
        "no current barrier confirmed on",
        null=True,
        blank=True,
        help_text="Set when the organisation reports that nothing currently blocks it.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = AdoptionQuerySet.as_manager()

    class Meta:
        ordering = ["innovation__name", "organisation__name"]
        indexes = [
            models.Index(fields=["innovation", "stage"], name="adoption_innovation_stage_idx"),
            models.Index(fields=["stage", "stage_changed_on"], name="adoption_stage_changed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["innovation", "organisation"], name="adoption_one_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="adoption_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(route__in=Route.values), name="adoption_route_valid"
            ),
        ]

    def __str__(self):
        return f"{self.innovation} at {self.organisation}"

    @property
    def is_terminal(self):
        return self.stage in TERMINAL_STAGES

    def is_stalled(self, *, today=None):
        return not self.is_terminal and self.stage_changed_on <= stalled_before(today)

    def days_in_stage(self, *, today=None):
        return ((today or timezone.localdate()) - self.stage_changed_on).days


class StageChange(models.Model):
    """One move of an adoption from one stage to another: the data behind advances per quarter
    and the S-curve. Written only by `adoption.barriers.services.change_stage`."""

    adoption = models.ForeignKey(Adoption, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    changed_on = models.DateField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["adoption", "changed_on", "id"]
        indexes = [
            models.Index(fields=["changed_on"], name="stage_change_changed_on_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_stage=F("to_stage")), name="stage_change_moves"
            ),
        ]

    def __str__(self):
        return f"{self.get_from_stage_display() or 'New'} → {self.get_to_stage_display()}"


class Severity(models.IntegerChoices):
    LOW = 1, "Low"
    MODERATE = 2, "Moderate"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


# How soon a barrier is looked at again, by severity.
REVIEW_DAYS = {
    Severity.CRITICAL: 90,
    Severity.HIGH: 90,
    Severity.MODERATE: 180,
    Severity.LOW: 360,
}


def default_review_date(severity, identified_on, *, today=None):
    """The review falls the severity's days after the barrier was identified, or, for one
    logged after that date has passed, that many days after today: never in the past."""
    days = datetime.timedelta(days=REVIEW_DAYS[Severity(severity)])
    today = today or timezone.localdate()
    return identified_on + days if identified_on + days >= today else today + days


class BarrierStatus(models.TextChoices):
    OPEN = "open", "Open"
    BEING_ADDRESSED = "being_addressed", "Being addressed"
    RESOLVED = "resolved", "Resolved"
    ACCEPTED = "accepted", "Accepted"


OPEN_STATUSES = frozenset({BarrierStatus.OPEN, BarrierStatus.BEING_ADDRESSED})
CLOSED_STATUSES = frozenset({BarrierStatus.RESOLVED, BarrierStatus.ACCEPTED})


class Complexity(models.TextChoices):
    SIMPLE = "simple", "Simple"
    COMPLICATED = "complicated", "Complicated"
    COMPLEX = "complex", "Complex"


class BarrierQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def closed(self):
        return self.filter(status__in=CLOSED_STATUSES)

    def due_for_review(self, *, today=None):
        return self.open().filter(next_review_on__lte=today or timezone.localdate())

    def for_innovation(self, innovation):
        return self.filter(innovation=innovation)

    def for_region(self, region):
        return self.filter(organisation__region=region)


class Barrier(models.Model):
    public_id = public_id_field()
    innovation = models.ForeignKey(Innovation, on_delete=models.PROTECT, related_name="barriers")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="barriers",
        verbose_name="reporting organisation",
    )
    pathway = models.ForeignKey(
        Pathway, on_delete=models.SET_NULL, null=True, blank=True, related_name="barriers"
    )
    category = models.ForeignKey(BarrierCategory, on_delete=models.PROTECT, related_name="+")
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    status = models.CharField(
        max_length=20, choices=BarrierStatus.choices, default=BarrierStatus.OPEN
    )
    identified_on = models.DateField(default=timezone.localdate)
    resolved_on = models.DateField(null=True, blank=True)
    description = models.TextField(max_length=4000)
    partners = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="barriers_as_partner",
        verbose_name="other organisations involved",
        help_text="For example the service you would need to plan or act with.",
    )
    savings_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="barriers_with_savings_here",
        verbose_name="organisation where savings land",
    )
    cost_borne_gbp = models.DecimalField(
        "annual cost borne (£)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=MONEY_VALIDATORS,
    )
    savings_elsewhere_gbp = models.DecimalField(
        "annual savings landing elsewhere (£)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=MONEY_VALIDATORS,
    )
    complexity = models.CharField(
        "complexity (NASSS)", max_length=12, choices=Complexity.choices, blank=True
    )
    next_review_on = models.DateField(
        blank=True,
        help_text="Defaults by severity: critical and high 90 days, moderate 180, low 360.",
    )
    is_confidential = models.BooleanField(
        "confidential",
        default=False,
        help_text="Only your organisation and national teams can see a confidential barrier.",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_barriers",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[partners])

    objects = BarrierQuerySet.as_manager()

    class Meta:
        ordering = ["-identified_on", "-public_id"]
        indexes = [
            models.Index(fields=["innovation", "status"], name="barrier_innovation_status_idx"),
            # An organisation's open barriers, and those due for review in a region or ICB.
            models.Index(
                fields=["organisation", "status", "next_review_on"],
                name="barrier_org_status_review_idx",
            ),
            # Dashboards count barriers per organisation first (an index-only scan).
            models.Index(
                fields=["organisation", "innovation", "category"], name="barrier_org_inn_cat_idx"
            ),
            models.Index(fields=["category", "status"], name="barrier_category_status_idx"),
            # The register's and the API's keyset pages.
            models.Index(fields=["identified_on", "public_id"], name="barrier_identified_idx"),
            models.Index(fields=["resolved_on"], name="barrier_resolved_idx"),
            models.Index(fields=["status", "next_review_on"], name="barrier_review_idx"),
            # The few confidential open barriers: the home page counts those a viewer may not
            # see, to take them from the tallied total.
            models.Index(
                fields=["organisation", "is_confidential", "status"],
                condition=Q(is_confidential=True, status__in=sorted(OPEN_STATUSES)),
                name="barrier_confidential_open_idx",
            ),
            # Savings elsewhere reads only the tenth of barriers whose savings land elsewhere,
            # from the index alone.
            models.Index(
                fields=["savings_organisation", "organisation"],
                include=[
                    "id",
                    "category",
                    "identified_on",
                    "cost_borne_gbp",
                    "savings_elsewhere_gbp",
                    "status",
                ],
                condition=Q(savings_organisation__isnull=False),
                name="barrier_savings_pair_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=4), name="barrier_severity_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(status__in=BarrierStatus.values), name="barrier_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(cost_borne_gbp__isnull=True)
                | (Q(cost_borne_gbp__gte=0) & Q(cost_borne_gbp__lte=MAX_GBP)),
                name="barrier_cost_borne_in_range",
            ),
            models.CheckConstraint(
                condition=Q(savings_elsewhere_gbp__isnull=True)
                | (Q(savings_elsewhere_gbp__gte=0) & Q(savings_elsewhere_gbp__lte=MAX_GBP)),
                name="barrier_savings_in_range",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("identified_on")),
                name="barrier_resolved_after_identified",
            ),
            models.CheckConstraint(
                condition=(Q(status__in=CLOSED_STATUSES) & Q(resolved_on__isnull=False))
                | (Q(status__in=OPEN_STATUSES) & Q(resolved_on__isnull=True)),
                name="barrier_resolved_date_matches_status",
            ),
        ]

    def __str__(self):
        return f"{self.category} — {self.innovation} at {self.organisation.ods_code}"

    def save(self, *args, **kwargs):
        if self.next_review_on is None and self.severity in REVIEW_DAYS and self.identified_on:
            self.next_review_on = default_review_date(self.severity, self.identified_on)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("barrier-detail", args=[self.public_id])

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.identified_on and self.identified_on > today:
            errors["identified_on"] = "The date identified cannot be in the future."
        elif self.identified_on and self.identified_on < EARLIEST_DATE:
            errors["identified_on"] = (
                f"The date identified cannot be before {EARLIEST_DATE:%-d %B %Y}."
            )
        elif (
            self.identified_on
            and self.organisation_id
            and self.organisation.opened_on
            and self.identified_on < self.organisation.opened_on
        ):
            errors["identified_on"] = (
                "The date identified cannot be before the organisation opened "
                f"({self.organisation.opened_on:%-d %B %Y})."
            )
        if self._state.adding and self.next_review_on and self.next_review_on < today:
            errors["next_review_on"] = (
                "The next review date cannot be in the past. Leave it empty to set it by severity."
            )
        if self.resolved_on:
            if self.resolved_on > today:
                errors["resolved_on"] = "The date resolved cannot be in the future."
            elif self.identified_on and self.resolved_on < self.identified_on:
                errors["resolved_on"] = "The date resolved cannot be before the date identified."
        if self.status in CLOSED_STATUSES and not self.resolved_on:
            errors.setdefault(
                "resolved_on", "Enter the date the barrier was resolved or accepted."
            )
        if self.status in OPEN_STATUSES and self.resolved_on:
            errors.setdefault(
                "resolved_on", "Leave the date resolved empty while the barrier is still open."
            )
        if (
            self.savings_organisation_id
            and self.organisation_id
            and self.savings_organisation_id == self.organisation_id
        ):
            errors["savings_organisation"] = (
                "Savings landing elsewhere must land at another organisation than yours."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def is_due_for_review(self, *, today=None):
        return self.is_open and self.next_review_on <= (today or timezone.localdate())


class ActionOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved the barrier"
    PARTLY = "partly", "Helped in part"
    NO_EFFECT = "no_effect", "Made no difference"


# What an enabler action copies from its barrier (kept in step by the write services), so that
# actions are listed by innovation or organisation from their own index.
ACTION_COPIES = ("innovation", "organisation")


class EnablerAction(models.Model):
    public_id = public_id_field()
    barrier = models.ForeignKey(Barrier, on_delete=models.CASCADE, related_name="actions")
    # Copies of the barrier's (ACTION_COPIES).
    innovation = models.ForeignKey(
        Innovation, on_delete=models.PROTECT, related_name="+", editable=False
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", editable=False
    )
    enabler_type = models.ForeignKey(EnablerType, on_delete=models.PROTECT, related_name="+")
    owner = models.CharField(max_length=120, help_text="Who is responsible for the action.")
    started_on = models.DateField(default=timezone.localdate)
    completed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=ActionOutcome.choices, default=ActionOutcome.IN_PROGRESS
    )
    notes = models.TextField(blank=True, max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["started_on", "id"]
        indexes = [
            models.Index(fields=["enabler_type", "outcome"], name="action_type_outcome_idx"),
            models.Index(fields=["started_on", "public_id"], name="action_started_idx"),
            models.Index(fields=["innovation", "id"], name="action_innovation_idx"),
            models.Index(fields=["organisation", "id"], name="action_organisation_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="action_completed_after_started",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=ActionOutcome.values), name="action_outcome_valid"
            ),
        ]

    def __str__(self):
        return f"{self.enabler_type} for barrier {self.barrier_id}"

    def clean(self):
        errors = {}
        today = timezone.localdate()
        for name in ("started_on", "completed_on"):
            if getattr(self, name) and getattr(self, name) > today:
                errors[name] = "The date cannot be in the future."
        if self.started_on and self.completed_on and self.completed_on < self.started_on:
            errors.setdefault(
                "completed_on", "The date completed cannot be before the date started."
            )
        if self.outcome != ActionOutcome.IN_PROGRESS and not self.completed_on:
            errors.setdefault("completed_on", "Enter the date the action finished.")
        if self.outcome == ActionOutcome.IN_PROGRESS and self.completed_on:
            errors.setdefault(
                "completed_on",
                "Leave the date completed empty while the action is in progress, or choose "
                "its outcome.",
            )
        if self.started_on and self.barrier_id and self.started_on < self.barrier.identified_on:
            errors.setdefault(
                "started_on",
                "The date started cannot be before the barrier was identified "
                f"({self.barrier.identified_on:%-d %B %Y}).",
            )
        if errors:
            raise ValidationError(errors)
