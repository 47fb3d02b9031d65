"""Who belongs to which organisation, and in what role."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from adoption.registry.models import Organisation


class Role(models.TextChoices):
    INNOVATION_LEAD = "innovation_lead", "Innovation lead"
    NATIONAL_TEAM = "national_team", "National team"
    ICB_LEAD = "icb_lead", "ICB lead"


class Membership(models.Model):
    """A user's membership of an organisation.

    An innovation lead records and changes their organisation's adoptions and barriers. A
    national team member reads across every organisation, confidential barriers included. An
    ICB lead (a member of an integrated care board) takes up the barriers its member
    organisations escalate to it (adoption/escalations/).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_one_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class ApiTokenLabel(models.Model):
    """What a person calls one of their API tokens ("Weekly R report"), and when it last
    opened the API or a download: enough to recognise a token and revoke the one unused."""

    token = models.OneToOneField(
        "knox.AuthToken", primary_key=True, on_delete=models.CASCADE, related_name="label"
    )
    name = models.CharField(max_length=60)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class SignInThrottle(models.Model):
    """Recent failed sign-ins counted under one key: an account, or an account from one
    address (see adoption/accounts/throttle.py).

    An attempt is counted before its password is checked and taken off again if it succeeds,
    so `failures` includes attempts still being checked. The key is a keyed digest (HMAC with
    SECRET_KEY): what people type as a username is not stored.
    """

    digest = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.failures} failures, the last at {self.last_failure_at:%Y-%m-%d %H:%M}"
