"""What each person should be told, and telling them: the weekly digest for innovation leads,
groups newly flagged as stalling for followers, escalations waiting or overdue for ICB leads and
the national team. `send_notifications` runs `plan` then `deliver`.

Everything told is read through the access policy (adoption/accounts/policy.py) as the
recipient: a confidential barrier appears only in the email of someone who may see it. Each
thing told has a key (`Sent.key`) recorded once its email has gone; what was sent before is
not sent again, so running the command twice sends nothing twice. Stall flags come from the
Spread dashboard's own stall rule (adoption/dashboards/pages.py), read with the follow's filters.
"""

import datetime
import logging
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from adoption.accounts.models import Membership, Role
from adoption.accounts.policy import Access
from adoption.barriers.models import Barrier, BarrierStatus
from adoption.dashboards import pages
from adoption.dashboards.filters import DashboardFilters
from adoption.escalations.models import Escalation, EscalationEvent, EventKind, Level, State
from adoption.notifications.models import Follow, Kind, Sent

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "spreadwatch.notifications.unsubscribe"
# A review due within this many days is in the digest.
REVIEW_AHEAD_DAYS = 7
# Most items of one kind an email lists; the rest are counted and linked.
LISTED = 25
ANSWERS = frozenset(State) - {State.ESCALATED}


# --- signed unsubscribe links --------------------------------------------------------------


def unsubscribe_token(user, follow=None):
    """A token naming a person (and a follow, to stop following just that): signed with
    SECRET_KEY, so the link works without signing in and cannot be forged."""
    return signing.dumps({"u": user.pk, "f": follow.pk if follow else None}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token):
    """(user id, follow id or None) from a token, or raise signing.BadSignature."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("Not an unsubscribe token.")
    follow = data.get("f")
    return data["u"], follow if isinstance(follow, int) else None


def absolute(path):
    return f"{settings.SITE_URL}{path}"


# --- what to tell ----------------------------------------------------------------------------


@dataclass
class Message:
    """One email to one person: what it tells, under which keys, and what to record once sent."""

    user: object
    kind: str
    keys: list
    subject: str
    template: str
    context: dict
    # Follows whose flagged groups become these once the email has gone: {follow: [keys]}.
    follow_states: dict = field(default_factory=dict)

    def render(self):
        context = {
            **self.context,
            "user": self.user,
            "site_url": settings.SITE_URL,
            "manage_url": absolute(reverse("notifications")),
            "unsubscribe_url": self.unsubscribe_url,
        }
        text = render_to_string(f"notifications/email/{self.template}.txt", context)
        html = render_to_string(f"notifications/email/{self.template}.html", context)
        return text, html

    @property
    def unsubscribe_url(self):
        return absolute(reverse("notifications-unsubscribe", args=[unsubscribe_token(self.user)]))


@dataclass
class Plan:
    messages: list = field(default_factory=list)
    # When it was planned: what was sent is recorded as of then, so the next digest starts
    # where this one's content was read, not where its sending ended.
    now: datetime.datetime | None = None
    # Follows checked with no new flag: their state is updated without an email.
    follow_states: dict = field(default_factory=dict)


def recipients():
    """Everyone who may be emailed: active, with an address, not opted out; their follows
    read with them."""
    User = get_user_model()
    follows = Follow.objects.select_related("innovation", "organisation", "organisation__icb")
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(notifications_opt_out__isnull=True)
        .prefetch_related(Prefetch("follows", queryset=follows))
        .order_by("pk")
    )


def plan(*, users=None, now=None):
    """The emails due now, person by person, and the follow states to record."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    users = recipients() if users is None else users
    national_team = set(
        Membership.objects.filter(role=Role.NATIONAL_TEAM).values_list("user_id", flat=True)
    )
    result = Plan(now=now)
    for user in users:
        access = Access(user)
        candidates = [
            digest_for(user, access, now=now, today=today),
            escalations_for(user, access, national=user.pk in national_team, today=today),
        ]
        stall, states = stalls_for(user, access, today=today)
        candidates.append(stall)
        result.follow_states.update(states)
        candidates = [message for message in candidates if message is not None]
        if not candidates:
            continue
        already = set(
            Sent.objects.filter(
                user=user, key__in=[key for message in candidates for key in message.keys]
            ).values_list("key", flat=True)
        )
        for message in candidates:
            if message.kind == Kind.ESCALATION:
                message = _without_sent(message, already)
            elif message.kind == Kind.STALL:
                told = _stalls_not_sent(message, already)
                if told is None:  # all told before: record the follows' state without an email
                    result.follow_states.update(message.follow_states)
                message = told
            elif already & set(message.keys):
                message = None
            if message is not None:
                result.messages.append(message)
    return result


def _stalls_not_sent(message, already):
    """A stall email telling only the flags not told before (a group flagged, cleared and
    flagged again on one day was told the first time), or None if it would tell nothing. Its
    follows' states are recorded once it has gone, as before."""
    items = [item for item in message.context["items"] if item["key"] not in already]
    if not items:
        return None
    return replace(
        message,
        keys=[item["key"] for item in items],
        subject=_stall_subject(len(items)),
        context={"items": items},
    )


def _stall_subject(count):
    return (
        f"Spreadwatch: {count} group{'s' if count != 1 else ''} you follow newly flagged as "
        "stalling"
    )


def _without_sent(message, already):
    """An escalation email tells only the escalations not told before in the same state."""
    items = [item for item in message.context["items"] if item["key"] not in already]
    if not items:
        return None
    return _escalation_message(message.user, items)


# --- the weekly digest -----------------------------------------------------------------------


def digest_key(today):
    year, week, _ = today.isocalendar()
    return f"digest:{year}-W{week:02d}"


def digest_for(user, access, *, now, today):
    """An innovation lead's weekly digest: their organisations' reviews due or overdue, what
    the levels answered to their escalations, and barriers like theirs newly resolved elsewhere
    ("someone solved this"). None when it would be empty or they lead nowhere."""
    if not access.leads:
        return None
    last = (
        Sent.objects.filter(user=user, kind=Kind.DIGEST)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    if last and timezone.localdate(last).isocalendar()[:2] == today.isocalendar()[:2]:
        return None  # this week's has gone
    since = max(last, now - datetime.timedelta(days=28)) if last else now - datetime.timedelta(7)
    leads = sorted(access.leads)
    reviews = list(
        Barrier.objects.open()
        .filter(
            organisation_id__in=leads,
            next_review_on__lte=today + datetime.timedelta(days=REVIEW_AHEAD_DAYS),
        )
        .select_related("innovation", "category", "organisation")
        .order_by("next_review_on", "public_id")[: LISTED + 1]
    )
    answered = list(
        EscalationEvent.objects.filter(
            escalation__barrier__organisation_id__in=leads,
            kind=EventKind.STEP,
            to_state__in=sorted(ANSWERS),
            at__gte=since,
        )
        .select_related(
            "escalation",
            "escalation__barrier__innovation",
            "escalation__barrier__category",
            "escalation__icb",
        )
        .order_by("-at", "-id")[: LISTED + 1]
    )
    like_ours = Barrier.objects.open().filter(
        organisation_id__in=leads,
        innovation_id=OuterRef("innovation_id"),
        category_id=OuterRef("category_id"),
    )
    solved = list(
        access.visible_barriers(Barrier.objects.all())
        .filter(status=BarrierStatus.RESOLVED, resolved_on__gte=timezone.localdate(since))
        .exclude(organisation_id__in=sorted(access.member_of))
        .filter(Exists(like_ours))
        .select_related("innovation", "category", "organisation")
        .prefetch_related("actions__enabler_type")
        .order_by("-resolved_on", "public_id")[: LISTED + 1]
    )
    if not (reviews or answered or solved):
        return None
    context = {
        "today": today,
        "since": timezone.localtime(since),
        "listed": LISTED,
        "reviews": [
            {
                "barrier": barrier,
                "overdue": barrier.next_review_on < today,
                "url": absolute(barrier.get_absolute_url()),
            }
            for barrier in reviews[:LISTED]
        ],
        "more_reviews": len(reviews) > LISTED,
        "register_url": absolute(reverse("barrier-register")),
        "answered": [
            {
                "event": event,
                "escalation": event.escalation,
                "barrier": event.escalation.barrier,
                "url": absolute(event.escalation.get_absolute_url()),
            }
            for event in answered[:LISTED]
        ],
        "solved": [
            {
                "barrier": barrier,
                "enablers": sorted({action.enabler_type.name for action in barrier.actions.all()}),
                "days": (barrier.resolved_on - barrier.identified_on).days,
                "url": absolute(barrier.get_absolute_url()),
            }
            for barrier in solved[:LISTED]
        ],
    }
    counts = [
        f"{len(reviews[:LISTED])} review{'s' if len(reviews) != 1 else ''} due",
        f"{len(answered[:LISTED])} escalation{'s' if len(answered) != 1 else ''} answered",
        f"{len(solved[:LISTED])} solved elsewhere",
    ]
    return Message(
        user=user,
        kind=Kind.DIGEST,
        keys=[digest_key(today)],
        subject=f"Your Spreadwatch week: {', '.join(counts)}",
        template="digest",
        context=context,
    )


# --- escalations waiting or overdue -------------------------------------------------------


def escalations_for(user, access, *, national, today):
    """For an ICB lead, the escalations at their ICB awaiting a step; for a member of the
    national team, those at national level: each told when it arrives (waiting) and again when
    its due date passes (overdue), once per state and due date."""
    if not (access.icbs or national):
        return None
    queue = Escalation.objects.none()
    if access.icbs:
        queue = Escalation.objects.awaiting().filter(
            level=Level.ICB, icb_id__in=sorted(access.icbs)
        )
    if national:
        queue = queue | Escalation.objects.awaiting().filter(level=Level.NATIONAL)
    items = []
    for escalation in queue.select_related(
        "barrier__innovation", "barrier__organisation", "barrier__category", "icb"
    ).order_by("acknowledge_by", "id"):
        if not access.may_view_escalation(escalation):
            continue
        overdue = escalation.is_overdue(today=today)
        if not overdue and escalation.state != State.ESCALATED:
            continue  # acknowledged and not yet due: nothing to tell
        status = "overdue" if overdue else "waiting"
        items.append(
            {
                "key": (
                    f"escalation:{escalation.public_id}:{escalation.level}:"
                    f"{escalation.state}:{escalation.due_on.isoformat()}:{status}"
                ),
                "escalation": escalation,
                "barrier": escalation.barrier,
                "overdue": overdue,
                "due_on": escalation.due_on,
                "url": absolute(escalation.get_absolute_url()),
            }
        )
    return _escalation_message(user, items) if items else None


def _escalation_message(user, items):
    overdue = sum(item["overdue"] for item in items)
    waiting = len(items) - overdue
    parts = []
    if waiting:
        parts.append(f"{waiting} escalation{'s' if waiting != 1 else ''} waiting for you")
    if overdue:
        parts.append(f"{overdue} overdue")
    # Those beyond the listed are counted, not told: their keys wait for a later email.
    return Message(
        user=user,
        kind=Kind.ESCALATION,
        keys=[item["key"] for item in items[:LISTED]],
        subject=f"Spreadwatch: {', '.join(parts)}",
        template="escalations",
        context={
            "items": items[:LISTED],
            "more": len(items) - LISTED if len(items) > LISTED else 0,
            "queue_url": absolute(reverse("escalation-queue")),
        },
    )


# --- groups newly flagged as stalling -----------------------------------------------------


def flagged_groups(follow, access):
    """{group key: the Spread page's cell} for the groups this follow watches that the stall
    rule flags now, read as the follower sees the Spread page with the follow's filters."""
    data, place = follow.spread_query()
    if data is None:
        return {}
    filters = DashboardFilters.from_query(data, access, with_grouping=True)
    if not filters.is_valid():
        return {}
    page = pages.spread(filters, every_flag=True)
    cells = page.context["stalling"]
    grouping = filters.grouping
    return {
        f"{cell.innovation_id}:{grouping}:{cell.group}": (cell, grouping, filters)
        for cell in cells
        if place is None or cell.group == place
    }


def stalls_for(user, access, *, today):
    """One email listing the groups newly flagged as stalling across the person's follows
    (flagged now and not when last checked), and the state of every follow checked."""
    states, items = {}, []
    for follow in user.follows.all():
        found = flagged_groups(follow, access)
        now_flagged = sorted(found)
        new = [key for key in now_flagged if key not in set(follow.flagged or [])]
        states[follow] = now_flagged
        for key in new:
            cell, grouping, filters = found[key]
            query = filters.query_everywhere()
            code = cell.group_code or "none"
            path = reverse("dashboard-stall", args=[cell.innovation_id, grouping, code])
            items.append(
                {
                    "key": f"stall:{follow.pk}:{key}:{today.isoformat()}",
                    "follow": follow,
                    "cell": cell,
                    "why": cell.why.sentence(pages.GROUP_KINDS[grouping]) if cell.why else "",
                    "reasons": cell.verdict.reasons,
                    "url": absolute(path + (f"?{query}" if query else "")),
                    "stop_url": absolute(
                        reverse(
                            "notifications-unsubscribe", args=[unsubscribe_token(user, follow)]
                        )
                    ),
                }
            )
    if not items:
        return None, states
    follows = {item["follow"] for item in items}
    message = Message(
        user=user,
        kind=Kind.STALL,
        keys=[item["key"] for item in items],
        subject=_stall_subject(len(items)),
        template="stall",
        context={"items": items},
        follow_states={follow: states.pop(follow) for follow in follows},
    )
    return message, states


# --- sending -------------------------------------------------------------------------------


@dataclass
class Outcome:
    sent: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def deliver(result, *, now=None, connection=None):
    """Send each planned email over one connection, recording what it told once it has gone.
    An email the server refuses is logged and left unrecorded (the next run tries again); the
    others still go."""
    now = now or result.now or timezone.now()
    outcome = Outcome()
    connection = connection or get_connection()
    try:
        if result.messages:
            _open(connection)
        for message in result.messages:
            try:
                text, html = message.render()
            except Exception:
                log.exception("Could not draw %r for user %s", message.subject, message.user.pk)
                outcome.failed.append(message)
                continue
            email = EmailMultiAlternatives(
                subject=message.subject,
                body=text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.user.email],
                connection=connection,
                headers={
                    "List-Unsubscribe": f"<{message.unsubscribe_url}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
            email.attach_alternative(html, "text/html")
            try:
                email.send()
            except Exception:
                log.exception("Could not send %r to user %s", message.subject, message.user.pk)
                outcome.failed.append(message)
                # Start afresh: the server may have dropped the connection.
                try:
                    connection.close()
                except Exception:
                    log.exception("Could not close the connection to the mail server")
                _open(connection)
                continue
            record(message, now=now)
            outcome.sent.append(message)
        _save_states(result.follow_states, now=now)
    finally:
        connection.close()
    return outcome


def _open(connection):
    """One connection for the run. If the server cannot be reached now, each email tries
    again on its own and fails on its own."""
    try:
        connection.open()
    except Exception:
        log.exception("Could not connect to the mail server")


@transaction.atomic
def record(message, *, now):
    """What one sent email told, so it is never told again, and its follows' new state."""
    Sent.objects.bulk_create(
        [
            Sent(
                user=message.user,
                kind=message.kind,
                key=key,
                subject=message.subject[:200],
                sent_at=now,
            )
            for key in message.keys
        ],
        ignore_conflicts=True,
    )
    _save_states(message.follow_states, now=now)


def _save_states(states, *, now):
    for follow, flagged in states.items():
        follow.flagged = flagged
        follow.checked_at = now
    if states:
        Follow.objects.bulk_update(list(states), ["flagged", "checked_at"])
