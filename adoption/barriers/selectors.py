"""Page-level reads for leads' pages and the barrier register. Each answers in a fixed number
of queries, whatever the size of the data."""

from dataclasses import dataclass

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from adoption.barriers.forms import AdoptionStartForm
from adoption.barriers.models import (
    OPEN_STATUSES,
    ActionOutcome,
    Adoption,
    Barrier,
    BarrierStatus,
    EnablerAction,
)
from adoption.core.csv_export import database_values
from adoption.dashboards.estimates import TimesToResolve
from adoption.dashboards.sql import DaysBetween
from adoption.registry.models import Organisation

WHO_HAS_SOLVED_LIMIT = 10
# How many of an organisation's open barriers its home page lists (those due for review first);
# the register holds the rest.
HOME_BARRIERS_SHOWN = 25
# The register's order, newest first; its pages are keyset pages in this order.
REGISTER_ORDER = ("-identified_on", "-public_id")


def _open_barriers_for_adoption():
    return (
        Barrier.objects.filter(
            innovation=OuterRef("innovation"),
            organisation=OuterRef("organisation"),
            status__in=OPEN_STATUSES,
        )
        .order_by()
        .values("organisation")
        .annotate(n=Count("id"))
        .values("n")
    )


def organisation_adoptions(organisation):
    """An organisation's adoptions with their open-barrier counts: two tables, one query."""
    return (
        Adoption.objects.filter(organisation=organisation)
        .select_related("innovation")
        .annotate(open_barriers=Coalesce(Subquery(_open_barriers_for_adoption()), 0))
        .order_by("innovation__name")
    )


def organisation_open_barriers(organisation):
    return (
        Barrier.objects.open()
        .filter(organisation=organisation)
        .select_related("innovation", "category")
        .order_by("next_review_on", "-severity", "id")
    )


@dataclass
class OrganisationHome:
    organisation: Organisation
    adoptions: list
    open_barriers: list  # the first HOME_BARRIERS_SHOWN, due for review first
    open_count: int
    stalled_count: int
    due_count: int
    start_adoption: object  # the form to start recording an innovation not recorded yet


def lead_home(access, *, today=None):
    """What an innovation lead sees first: for each organisation they lead, its adoptions with
    stage, days in stage and stalled flag, its open barriers (the first HOME_BARRIERS_SHOWN, due
    reviews first, with how many there are), and the form
    to start recording an innovation it has not recorded yet."""
    today = today or timezone.localdate()
    homes = []
    for organisation in access.organisations_led().order_by("name")[:5]:
        adoptions = list(organisation_adoptions(organisation))
        for adoption in adoptions:
            adoption.days = adoption.days_in_stage(today=today)
            adoption.stalled = adoption.is_stalled(today=today)
        open_barriers = organisation_open_barriers(organisation)
        counted = open_barriers.aggregate(
            open=Count("id"), due=Count("id", filter=Q(next_review_on__lte=today))
        )
        barriers = list(open_barriers[:HOME_BARRIERS_SHOWN])
        for barrier in barriers:
            barrier.due = barrier.next_review_on <= today
        homes.append(
            OrganisationHome(
                organisation=organisation,
                adoptions=adoptions,
                open_barriers=barriers,
                open_count=counted["open"],
                stalled_count=sum(a.stalled for a in adoptions),
                due_count=counted["due"],
                start_adoption=AdoptionStartForm(access=access, organisation=organisation),
            )
        )
    return homes


def adoption_open_barriers(access, adoption):
    return access.visible_barriers(
        Barrier.objects.open()
        .filter(innovation_id=adoption.innovation_id, organisation_id=adoption.organisation_id)
        .select_related("category")
        .order_by("next_review_on", "id")
    )


def register_queryset(access):
    """Every barrier the user may see, with what the register shows, newest first."""
    return access.visible_barriers(
        Barrier.objects.select_related("innovation", "organisation", "category").order_by(
            *REGISTER_ORDER
        )
    )


def barrier_for(access, public_id):
    """The barrier, or 404 when it does not exist or is confidential to another organisation."""
    barrier = (
        Barrier.objects.select_related(
            "innovation",
            "organisation",
            "organisation__region",
            "category",
            "pathway",
            "savings_organisation",
            "reported_by",
        )
        .filter(public_id=public_id)
        .first()
    )
    if barrier is None or not access.may_view_barrier(barrier):
        raise Http404("No barrier found.")
    return barrier


def barrier_actions(barrier):
    return barrier.actions.select_related("enabler_type", "created_by").order_by(
        "started_on", "id"
    )


@dataclass
class HistoryEntry:
    when: object
    who: str
    what: str
    changes: list  # [(field label, old, new)]


def barrier_history(barrier, *, since_version=None):
    """The barrier's change history with its actions', newest first, each entry with its
    field changes.

    With `since_version`, only the barrier's changes saved after that version: what someone
    else changed while an edit form was open. A fixed number of queries however long the
    history: the records, their partner lists, and one look-up per kind of related record."""
    records = list(barrier.history.select_related("history_user").order_by("-history_id"))
    if not records:
        return []
    partner_model = records[0].partners.model
    partners = {}
    for history_id, code in partner_model.objects.filter(
        history_id__in=[r.history_id for r in records]
    ).values_list("history_id", "organisation__ods_code"):
        partners.setdefault(history_id, []).append(code)
    entries = _entries(records, Barrier, since_version=since_version, partners=partners)
    if since_version is None:
        actions = EnablerAction.history.filter(barrier_id=barrier.pk).select_related(
            "history_user"
        )
        entries += _entries(list(actions.order_by("-history_id")), EnablerAction)
        entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def action_history(action, *, since_version=None):
    """An action's changes saved after `since_version`, newest first."""
    records = action.history.select_related("history_user").order_by("-history_id")
    return _entries(list(records), EnablerAction, since_version=since_version)


HISTORY_IGNORES = ["updated_at", "version", "partners", "innovation", "organisation"]


def _entries(records, model, *, since_version=None, partners=None):
    """History entries from historical records of `model`, newest first; each record is
    compared with the one before it of the same record."""
    raw = []  # (record, [(field, old, new)])
    related_ids = {}  # related model -> ids to look up
    previous_of, latest = {}, {}  # history id -> the record before it; id -> latest record
    for record in reversed(records):
        previous_of[record.history_id] = latest.get(record.id)
        latest[record.id] = record
    for record in records:
        if since_version is not None and record.version <= since_version:
            continue
        previous = previous_of[record.history_id]
        changes = []
        if previous is not None:
            delta = record.diff_against(
                previous, excluded_fields=HISTORY_IGNORES, foreign_keys_are_objs=False
            )
            for change in delta.changes:
                field = model._meta.get_field(change.field)
                changes.append((field, change.old, change.new))
                if field.is_relation:
                    ids = related_ids.setdefault(field.related_model, set())
                    ids.update(v for v in (change.old, change.new) if v is not None)
            if partners is not None:
                old_partners = sorted(partners.get(previous.history_id, []))
                new_partners = sorted(partners.get(record.history_id, []))
                if old_partners != new_partners:
                    changes.append(
                        (
                            model._meta.get_field("partners"),
                            ", ".join(old_partners),
                            ", ".join(new_partners),
                        )
                    )
        raw.append((record, changes))

    names = {
        related: {obj.pk: str(obj) for obj in related._default_manager.filter(pk__in=ids)}
        for related, ids in related_ids.items()
    }
    entries = []
    for record, changes in raw:
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.username) if user else "Demo data or import",
                what=record.history_change_reason
                or {"+": "Created", "~": "Changed", "-": "Deleted"}[record.history_type],
                changes=[
                    (
                        field.verbose_name,
                        display_value(field, old, names),
                        display_value(field, new, names),
                    )
                    for field, old, new in changes
                ],
            )
        )
    return entries


def display_value(field, value, names):
    if value in (None, ""):
        return "—"
    if field.many_to_many:
        return value
    if field.is_relation:
        return names.get(field.related_model, {}).get(value, value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def _same_kind_elsewhere(access, barrier):
    """The barriers of the same category for the same innovation at other organisations that
    the user may see (confidential ones of other organisations only if the user may)."""
    return access.visible_barriers(
        Barrier.objects.filter(
            innovation_id=barrier.innovation_id, category_id=barrier.category_id
        ).exclude(organisation_id=barrier.organisation_id)
    )


def who_has_solved(access, barrier):
    """Organisations that resolved a barrier of the same category for the same innovation,
    with the enabler that worked and how long it took, quickest first. Confidential barriers
    of other organisations are left out unless the user may see them."""
    resolving_actions = EnablerAction.objects.filter(
        outcome=ActionOutcome.RESOLVED
    ).select_related("enabler_type")
    solved = (
        _same_kind_elsewhere(access, barrier)
        .filter(status=BarrierStatus.RESOLVED)
        .select_related("organisation", "organisation__region")
        .annotate(
            took=ExpressionWrapper(
                F("resolved_on") - F("identified_on"), output_field=DurationField()
            )
        )
        .prefetch_related(Prefetch("actions", queryset=resolving_actions, to_attr="resolving"))
        .order_by("took", "id")[:WHO_HAS_SOLVED_LIMIT]
    )
    return list(solved)


def time_to_resolve_elsewhere(access, barrier, *, today=None):
    """How long the barriers that "Who has solved this?" draws on take to resolve: those of
    the same category for the same innovation at other organisations that the user may see,
    in one grouped query. As on the Barriers dashboard, one still open counts as lasting at
    least as long as it has been open (censored at today − identified), one accepted as never
    resolved."""
    today = today or timezone.localdate()
    times = TimesToResolve()
    for status, days, n in (
        _same_kind_elsewhere(access, barrier)
        .order_by()
        .values("status", days=DaysBetween(Coalesce("resolved_on", Value(today)), "identified_on"))
        .annotate(n=Count("id"))
        .values_list("status", "days", "n")
    ):
        times.add(status, days, n)
    return times


BARRIER_EXPORT_COLUMNS = [
    ("public_id", "Barrier"),
    ("identified_on", "Identified"),
    ("resolved_on", "Resolved"),
    ("status", "Status"),
    ("severity", "Severity"),
    ("category__name", "Category"),
    ("innovation__name", "Innovation"),
    ("organisation__ods_code", "Organisation ODS code"),
    ("organisation__name", "Organisation"),
    ("organisation__region__name", "Region"),
    ("organisation__icb__name", "ICB"),
    ("pathway__name", "Pathway"),
    ("savings_organisation__ods_code", "Savings land at (ODS code)"),
    ("cost_borne_gbp", "Annual cost borne (GBP)"),
    ("savings_elsewhere_gbp", "Annual savings elsewhere (GBP)"),
    ("complexity", "Complexity"),
    ("next_review_on", "Next review"),
    ("is_confidential", "Confidential"),
    ("description", "Description"),
]

ADOPTION_EXPORT_COLUMNS = [
    ("innovation__name", "Innovation"),
    ("organisation__ods_code", "Organisation ODS code"),
    ("organisation__name", "Organisation"),
    ("organisation__org_type", "Organisation type"),
    ("organisation__region__name", "Region"),
    ("organisation__icb__name", "ICB"),
    ("stage", "Stage"),
    ("stage_changed_on", "Stage changed on"),
    ("route", "Route of arrival"),
    ("no_barrier_confirmed_on", "No current barrier confirmed on"),
]


def export_rows(queryset, columns):
    """Rows for a CSV export, streamed from a server-side cursor in the register's order."""
    values = database_values(queryset.model, [name for name, _ in columns])
    return queryset.values_list(*values).iterator(chunk_size=5000)
