"""Demo escalations: barriers of the demo lead's ICB escalated to the ICB or the national team,
one in every state (and one raised to the national team after the ICB missed its due dates), so
the queues at /escalations/ show something for the users `lead`, `icb` and `national`.

Written through the escalation services, as every write is; the dates are as of the demo's
as-of date, and each history entry is then dated to when the step would have been taken.
"""

import datetime

from django.utils import timezone

from adoption.barriers.models import OPEN_STATUSES, Barrier
from adoption.escalations import services
from adoption.escalations.models import EscalationEvent, Level, State

# (state reached, level escalated to, lever, days before the as-of date it was escalated)
PLAN = [
    (State.ACKNOWLEDGED, Level.ICB, "pooled_budget", 6),  # answered this week: in the digest
    (State.ESCALATED, Level.ICB, "pooled_budget", 0),
    (State.ESCALATED, Level.ICB, "risk_share", 12),  # acknowledgement overdue
    (State.ACCEPTED, Level.ICB, "risk_share", 30),
    (State.DECLINED, Level.ICB, "pooled_budget", 45),
    (State.ACTION_AGREED, Level.ICB, "risk_share", 60),
    (State.RESOLVED, Level.ICB, "pooled_budget", 120),
    (State.NOT_RESOLVABLE, Level.ICB, "tariff_change", 150),
    (State.ESCALATED, Level.NATIONAL, "tariff_change", 2),
    (State.ACKNOWLEDGED, Level.NATIONAL, "national_funding", 20),
    (State.ESCALATED, Level.ICB, "tariff_change", 70),  # raised to the national team
]
PATH = [State.ACKNOWLEDGED, State.ACCEPTED, State.ACTION_AGREED]
NOTES = {
    State.DECLINED: "The ICB has no pooled budget for this pathway this financial year.",
    State.ACTION_AGREED: "A joint finance panel with the community trust meets monthly.",
    State.RESOLVED: "A two-year risk-share agreement was signed.",
    State.NOT_RESOLVABLE: "Only a change to the national tariff removes the disincentive.",
}
ASKS = {
    "pooled_budget": "Pool the budget with the community trust, where the savings land.",
    "risk_share": "Share the risk of the first year's costs across the system.",
    "tariff_change": "Change the tariff so that avoided admissions do not cost us income.",
    "national_funding": "Fund two years of local capacity to run the service alongside.",
}


def _path_to(state):
    """The steps from "escalated" to `state`."""
    if state == State.ESCALATED:
        return []
    if state in (State.ACKNOWLEDGED, State.ACCEPTED, State.ACTION_AGREED):
        return PATH[: PATH.index(state) + 1]
    if state == State.DECLINED:
        return [State.ACKNOWLEDGED, State.DECLINED]
    return [*PATH, state]


def build_escalations(*, lead_organisation, users, as_of):
    """Escalate open barriers of the lead's ICB as PLAN says. Returns how many were made."""
    open_here = Barrier.objects.filter(
        organisation__icb_id=lead_organisation.icb_id,
        status__in=sorted(OPEN_STATUSES),
    ).order_by("organisation__ods_code", "identified_on", "id")
    # The lead's own barriers first (a confidential one among them: it stays between the trust
    # and its ICB), so that `lead` sees its escalations, and an answer in its weekly digest.
    own = list(open_here.filter(organisation=lead_organisation)[: len(PLAN) // 2])
    others = list(
        open_here.exclude(organisation=lead_organisation).filter(is_confidential=False)[
            : len(PLAN)
        ]
    )
    chosen = (own + others)[: len(PLAN)]
    made = []
    for barrier, (state, level, lever, days_ago) in zip(chosen, PLAN, strict=False):
        escalated_on = as_of - datetime.timedelta(days=days_ago)
        by = users["lead"] if barrier.organisation_id == lead_organisation.id else users["admin"]
        escalation = services.escalate(
            by=by,
            barrier=barrier,
            level=level,
            lever=lever,
            ask=ASKS.get(lever, "Help us remove this barrier."),
            today=escalated_on,
        )
        answerer = users["icb"] if level == Level.ICB else users["national"]
        for to_state in _path_to(state):
            escalation.refresh_from_db()
            services.take_step(
                by=answerer,
                escalation=escalation,
                to_state=to_state,
                note=NOTES.get(to_state, ""),
                lever_needed="tariff_change" if to_state == State.NOT_RESOLVABLE else "",
                expected_version=escalation.version,
            )
        made.append((escalation, escalated_on))
    services.raise_overdue_escalations(today=as_of)
    _date_history(made, as_of)
    return len(made)


def _date_history(made, as_of):
    """Date each history entry to when it would have happened: the escalation on its day, each
    step a few days after the one before, never after the as-of date."""
    zone = timezone.get_current_timezone()
    for escalation, escalated_on in made:
        events = list(EscalationEvent.objects.filter(escalation=escalation).order_by("at", "id"))
        for number, event in enumerate(events):
            if event.kind != "step":
                event.at = datetime.datetime.combine(as_of, datetime.time(7, number), tzinfo=zone)
                continue
            day = min(escalated_on + datetime.timedelta(days=2 * number), as_of)
            event.at = datetime.datetime.combine(day, datetime.time(9 + number, 30), tzinfo=zone)
        EscalationEvent.objects.bulk_update(events, ["at"])
