"""Page reads for escalations, each limited by the access policy."""

from django.db.models import Count, Min
from django.http import Http404
from django.utils import timezone

from adoption.escalations.models import Escalation, Level, Lever, overdue_q

QUEUE_RELATED = (
    "barrier__innovation",
    "barrier__organisation",
    "barrier__organisation__region",
    "barrier__category",
    "icb",
)


def queue_queryset(access):
    """The escalations in the viewer's queue (see `Access.escalation_queue_filter`)."""
    return (
        Escalation.objects.filter(access.escalation_queue_filter())
        .filter(access.escalation_filter())
        .select_related(*QUEUE_RELATED)
        .order_by("-escalated_on", "-id")
    )


def escalation_for(access, public_id):
    """The escalation, or 404 when it does not exist or the viewer may not read it."""
    escalation = (
        Escalation.objects.select_related(*QUEUE_RELATED, "escalated_by")
        .filter(public_id=public_id)
        .first()
    )
    if escalation is None or not access.may_view_escalation(escalation):
        raise Http404("No escalation found.")
    return escalation


def escalation_history(escalation):
    """Every step, missed due date and raise, oldest first: who, when, from and to."""
    return list(escalation.events.select_related("by").order_by("at", "id"))


def barrier_escalations(access, barrier):
    """The barrier's escalations the viewer may read, newest first."""
    return list(
        Escalation.objects.filter(barrier=barrier)
        .filter(access.escalation_filter())
        .select_related("icb")
        .order_by("-escalated_on", "-id")
    )


def asks_queryset(access):
    """The open escalations whose asks the viewer oversees: every one for the national team;
    for an ICB lead, those asked of their ICB now (not those raised on to the national team)."""
    escalations = Escalation.objects.open().filter(access.escalation_filter())
    if access.is_national:
        return escalations
    return escalations.filter(icb_id__in=sorted(access.icbs), level=Level.ICB)


ASK_COLUMNS = [
    ("lever", "Lever"),
    ("innovation", "Innovation"),
    ("organisations", "Organisations"),
    ("escalations", "Open escalations"),
    ("overdue", "Overdue"),
    ("oldest_escalated_on", "Oldest escalated on"),
    ("oldest_age_days", "Oldest age (days)"),
]


def asks(access, *, today=None):
    """Open escalations grouped by lever and innovation, the groups blocking most organisations
    first: one query."""
    today = today or timezone.localdate()
    rows = (
        asks_queryset(access)
        .values("lever", "barrier__innovation_id", "barrier__innovation__name")
        .annotate(
            escalations=Count("id"),
            organisations=Count("barrier__organisation", distinct=True),
            overdue=Count("id", filter=overdue_q(today=today)),
            oldest=Min("escalated_on"),
        )
        .order_by("-organisations", "-escalations", "oldest", "barrier__innovation__name", "lever")
    )
    labels = dict(Lever.choices)
    return [
        {
            "lever": labels.get(row["lever"], row["lever"]),
            "innovation": row["barrier__innovation__name"],
            "innovation_id": row["barrier__innovation_id"],
            "organisations": row["organisations"],
            "escalations": row["escalations"],
            "overdue": row["overdue"],
            "oldest_escalated_on": row["oldest"],
            "oldest_age_days": (today - row["oldest"]).days,
        }
        for row in rows
    ]
