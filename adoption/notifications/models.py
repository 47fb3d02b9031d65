"""What people follow, and every email sent to them.

A `Follow` names one innovation, one organisation or one saved dashboard view (a page and its
filters' query string); a follower is emailed when a group it covers is newly flagged as
stalling. `flagged` holds the groups flagged when it was last checked, so only new flags are
told. A `Sent` row records each thing told, under a key unique per person, so running
`send_notifications` twice tells nothing twice. An `OptOut` stops every email to a person.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from adoption.barriers.filters import AdoptionFilter, BarrierFilter
from adoption.registry.models import Innovation, Organisation, OrganisationType

QUERY_MAX_LENGTH = 1000


class DashboardPage(models.TextChoices):
    """The dashboards whose filters can be followed, by their URL names."""

    SPREAD = "dashboard-spread", "Spread"
    BARRIERS = "dashboard-barriers", "Barriers"
    SAVINGS = "dashboard-savings", "Savings elsewhere"
    WHAT_WORKED = "dashboard-what-worked", "What worked"


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    innovation = models.ForeignKey(
        Innovation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    page = models.CharField("dashboard", max_length=30, choices=DashboardPage.choices, blank=True)
    query = models.CharField(
        "filters", max_length=QUERY_MAX_LENGTH, blank=True, help_text="The view's query string."
    )
    flagged = models.JSONField(
        default=list, blank=True, help_text="The groups flagged as stalling when last checked."
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(innovation__isnull=False, organisation__isnull=True, page="")
                    | Q(innovation__isnull=True, organisation__isnull=False, page="")
                    | (
                        Q(innovation__isnull=True, organisation__isnull=True)
                        & ~Q(page="")
                        & Q(page__in=DashboardPage.values)
                    )
                ),
                name="follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "innovation"],
                condition=Q(innovation__isnull=False),
                name="follow_innovation_once",
            ),
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(organisation__isnull=False),
                name="follow_organisation_once",
            ),
            models.UniqueConstraint(
                fields=["user", "page", "query"],
                condition=~Q(page=""),
                name="follow_view_once",
            ),
        ]

    def __str__(self):
        return self.describe()

    def describe(self):
        if self.innovation_id:
            return f"Innovation: {self.innovation.name}"
        if self.organisation_id:
            return f"Organisation: {self.organisation.name} ({self.organisation.ods_code})"
        label = DashboardPage(self.page).label if self.page in DashboardPage.values else "?"
        filters = "; ".join(
            f"{_filter_label(name)}: {', '.join(values)}"
            for name, values in QueryDict(self.query).lists()
        )
        return f"{label} dashboard{f' ({filters})' if filters else ''}"

    def view_url(self):
        """Where the followed thing is seen: a path on the service."""
        if self.innovation_id:
            return reverse("dashboard-innovation", args=[self.innovation_id])
        if self.organisation_id:
            return reverse("dashboard-organisation", args=[self.organisation.ods_code])
        return reverse(self.page) + (f"?{self.query}" if self.query else "")

    def spread_query(self):
        """The Spread page's filters whose stall flags this follow watches, and the group (an
        organisation id) the flags must be in, or None for every group the filters show."""
        data = QueryDict(mutable=True)
        if self.innovation_id:
            data["innovation"] = self.innovation.slug
            data["group_by"] = "region"
            return data, None
        if self.organisation_id:
            organisation = self.organisation
            if organisation.org_type == OrganisationType.REGION:
                data.update({"region": organisation.ods_code, "group_by": "region"})
                return data, organisation.pk
            if organisation.org_type == OrganisationType.ICB:
                data.update({"icb": organisation.ods_code, "group_by": "icb"})
                return data, organisation.pk
            if organisation.icb_id:
                # An organisation is in its ICB's groups: watch those.
                data.update({"icb": organisation.icb.ods_code, "group_by": "icb"})
                return data, organisation.icb_id
            return None, None
        return QueryDict(self.query, mutable=True), None


def _filter_label(name):
    """A dashboard filter's label, as the filter bar shows it (no query needed)."""
    if name == "group_by":
        return "Compare by"
    declared = BarrierFilter.base_filters.get(name) or AdoptionFilter.base_filters.get(name)
    label = declared.label if declared is not None else None
    return str(label or name.replace("_", " ").capitalize())


class Kind(models.TextChoices):
    DIGEST = "digest", "Weekly digest"
    STALL = "stall", "Newly flagged as stalling"
    ESCALATION = "escalation", "Escalation waiting or overdue"


class Sent(models.Model):
    """One thing told to one person: a digest, a newly flagged group or an escalation in one
    state and due date. `key` names it; the same key is never sent to the same person twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications_sent"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name_plural = "sent notifications"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="sent_once_per_user"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="sent_kind_valid"),
        ]
        indexes = [models.Index(fields=["user", "kind", "sent_at"], name="sent_user_kind_idx")]

    def __str__(self):
        return f"{self.subject} to {self.user} at {self.sent_at:%Y-%m-%d %H:%M}"


class OptOut(models.Model):
    """This person receives no email from Spreadwatch until they turn emails back on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notifications_opt_out",
    )
    opted_out_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user} receives no email"
