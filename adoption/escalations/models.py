"""Escalations: a barrier an organisation cannot remove alone, put to its ICB or to the national
team with what is asked and the lever that would remove it.

The state machine and the due dates are declared here, once; adoption/escalations/services.py
moves escalations along it and adoption/accounts/policy.py says who may.

    escalated → acknowledged → accepted → action agreed → resolved
                             ↘ declined (with a reason)   ↘ not resolvable locally (lever named)

Each level (the ICB, or the national team) acknowledges within ESCALATION_ACKNOWLEDGE_WORKING_DAYS
and answers (accepts or declines) within ESCALATION_RESPOND_WORKING_DAYS working days of the
escalation reaching it. A due date passed without the step is missed: the escalation shows as
overdue. After a missed response the level has ESCALATION_ACKNOWLEDGE_WORKING_DAYS more working
days (a last reminder); its second missed due date raises an ICB escalation to the national
team, where the clock starts again (`raise_overdue_escalations`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from adoption.barriers.models import Barrier, public_id_field
from adoption.escalations.workdays import add_working_days
from adoption.registry.models import Organisation

ASK_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 2000


class Level(models.TextChoices):
    ICB = "icb", "ICB"
    NATIONAL = "national", "National team"


class Lever(models.TextChoices):
    POOLED_BUDGET = "pooled_budget", "Pooled budget"
    RISK_SHARE = "risk_share", "Risk share"
    TARIFF_CHANGE = "tariff_change", "Tariff change"
    NATIONAL_FUNDING = "national_funding", "National funding"
    RULE_CHANGE = "rule_change", "Rule change"
    OTHER = "other", "Other"


class State(models.TextChoices):
    ESCALATED = "escalated", "Escalated"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    ACTION_AGREED = "action_agreed", "Action agreed"
    RESOLVED = "resolved", "Resolved"
    NOT_RESOLVABLE = "not_resolvable", "Not resolvable locally"


# The steps the owning level may take from each state.
TRANSITIONS = {
    State.ESCALATED: (State.ACKNOWLEDGED,),
    State.ACKNOWLEDGED: (State.ACCEPTED, State.DECLINED),
    State.ACCEPTED: (State.ACTION_AGREED,),
    State.ACTION_AGREED: (State.RESOLVED, State.NOT_RESOLVABLE),
    State.DECLINED: (),
    State.RESOLVED: (),
    State.NOT_RESOLVABLE: (),
}
# Waiting for the level to acknowledge or answer: the states with a due date.
AWAITING = frozenset({State.ESCALATED, State.ACKNOWLEDGED})
OPEN_STATES = frozenset({State.ESCALATED, State.ACKNOWLEDGED, State.ACCEPTED, State.ACTION_AGREED})
CLOSED_STATES = frozenset(State) - OPEN_STATES
# What a step asks for besides the choice itself.
NOTE_REQUIRED = {
    State.DECLINED: "Enter the reason for declining.",
    State.ACTION_AGREED: "Enter the action agreed.",
}
LEVER_REQUIRED = {State.NOT_RESOLVABLE: "Choose the lever that would resolve it."}


def acknowledge_days():
    return settings.ESCALATION_ACKNOWLEDGE_WORKING_DAYS


def respond_days():
    return settings.ESCALATION_RESPOND_WORKING_DAYS


def due_dates(reached_on):
    """When a level must acknowledge and answer an escalation that reached it on this date."""
    return (
        add_working_days(reached_on, acknowledge_days()),
        add_working_days(reached_on, respond_days()),
    )


def overdue_q(*, today=None, prefix=""):
    """Awaiting a step whose due date has passed."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}state": State.ESCALATED, f"{prefix}acknowledge_by__lt": today}) | Q(
        **{f"{prefix}state__in": sorted(AWAITING), f"{prefix}respond_by__lt": today}
    )


class EscalationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def awaiting(self):
        return self.filter(state__in=AWAITING)

    def overdue(self, *, today=None):
        return self.filter(overdue_q(today=today))

    def not_overdue(self, *, today=None):
        return self.exclude(overdue_q(today=today))

    def at_level(self, level):
        return self.filter(level=level)


class Escalation(models.Model):
    public_id = public_id_field()
    barrier = models.ForeignKey(Barrier, on_delete=models.PROTECT, related_name="escalations")
    level = models.CharField("escalated to", max_length=10, choices=Level.choices)
    icb = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
        verbose_name="ICB",
        help_text="The ICB it was escalated to; empty when it went straight to the national team.",
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.ESCALATED)
    ask = models.TextField("what is asked", max_length=ASK_MAX_LENGTH)
    lever = models.CharField(max_length=20, choices=Lever.choices)
    decline_reason = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    agreed_action = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    lever_needed = models.CharField(
        "lever that would resolve it", max_length=20, choices=Lever.choices, blank=True
    )
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations_made",
    )
    escalated_on = models.DateField(default=timezone.localdate)
    level_since = models.DateField(
        help_text="The day it reached its current level: the due dates count from here."
    )
    acknowledge_by = models.DateField()
    respond_by = models.DateField()
    misses = models.PositiveSmallIntegerField(
        default=0, help_text="Due dates missed at the current level."
    )
    last_missed_on = models.DateField(null=True, blank=True)
    raised_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["-escalated_on", "-id"]
        indexes = [
            models.Index(fields=["level", "state"], name="escalation_level_state_idx"),
            models.Index(fields=["icb", "state"], name="escalation_icb_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["barrier"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="escalation_one_open_per_barrier",
            ),
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="escalation_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="escalation_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(lever__in=Lever.values), name="escalation_lever_valid"
            ),
            models.CheckConstraint(
                condition=~Q(level=Level.ICB) | Q(icb__isnull=False),
                name="escalation_icb_level_names_icb",
            ),
        ]

    def __str__(self):
        return f"{self.barrier} → {self.get_level_display()} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("escalation-detail", args=[self.public_id])

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def next_steps(self):
        return TRANSITIONS[State(self.state)]

    @property
    def due_on(self):
        """The due date of the step the level owes now, if it owes one."""
        if self.state == State.ESCALATED:
            return self.acknowledge_by
        if self.state == State.ACKNOWLEDGED:
            return self.respond_by
        return None

    def is_overdue(self, *, today=None):
        due = self.due_on
        return due is not None and due < (today or timezone.localdate())

    def days_open(self, *, today=None):
        return ((today or timezone.localdate()) - self.escalated_on).days

    def next_deadline(self):
        """The next due date not yet counted as missed, or None: acknowledging (while not yet
        acknowledged), answering, then the last reminder after a missed answer."""
        if self.state not in AWAITING:
            return None
        deadlines = [self.respond_by, add_working_days(self.respond_by, acknowledge_days())]
        if self.state == State.ESCALATED:
            deadlines.insert(0, self.acknowledge_by)
        for deadline in deadlines:
            if self.last_missed_on is None or deadline > self.last_missed_on:
                return deadline
        return None


class EventKind(models.TextChoices):
    STEP = "step", "Step taken"
    MISSED = "missed", "Due date missed"
    RAISED = "raised", "Raised to the national team"


class EscalationEvent(models.Model):
    """One entry in an escalation's history: who did what, when, from which state to which.
    Written only by adoption/escalations/services.py."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=EventKind.choices, default=EventKind.STEP)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices)
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        ordering = ["escalation", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values), name="escalation_event_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_from_state_display() or 'New'} → {self.get_to_state_display()}"

    @property
    def who(self):
        if self.by is None:
            return "Spreadwatch" if self.kind != EventKind.STEP else "Someone no longer here"
        return self.by.get_full_name() or self.by.username
