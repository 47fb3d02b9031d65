"""The access policy: who may see and change what. Every view, the admin and the API ask here.

- Anonymous users see nothing but the sign-in page and /healthz (views require a sign-in).
- Every signed-in user may read reference data and non-confidential records everywhere, so a
  lead can see how peers compare.
- A confidential barrier is visible only to members of the reporting organisation and to the
  national team (and superusers).
- Only an innovation lead of an organisation changes that organisation's adoptions, barriers
  and enabler actions, and only leads log barriers. Superusers may change and log anything;
  the national team reads only.
- An ICB lead is a member of an integrated care board. Like everyone it reads non-confidential
  records everywhere, its member organisations' among them, and changes none of them. It takes
  up the barriers escalated to its ICB: it reads them (a confidential barrier escalated to the
  ICB included) and takes each step of the escalation while it is at ICB level.
- The national team takes each step of an escalation at national level.
- An escalation is read by the escalating organisation, by the ICB it went to and by the
  national team; one about a confidential barrier by them only (the ICB only when it went to
  that ICB). An innovation lead escalates their own organisation's barriers.
- In the admin, only superusers grant superuser or staff status, groups, permissions or the
  national-team and ICB lead roles. Other staff grant innovation-lead memberships, and
  administer only accounts holding nothing they could not grant themselves: never a superuser,
  a staff member (their own account included), a member of the national team or an ICB lead,
  since whoever sets an account's password acquires its powers.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from adoption.accounts.models import Membership, Role
from adoption.registry.models import Organisation


class Access:
    """One user's memberships, read once per request and then answered from memory."""

    def __init__(self, user):
        self.user = user
        if user.is_authenticated:
            memberships = list(
                Membership.objects.filter(user=user).values_list("organisation_id", "role")
            )
        else:
            memberships = []
        self.member_of = frozenset(org for org, _ in memberships)
        self.leads = frozenset(org for org, role in memberships if role == Role.INNOVATION_LEAD)
        self.icbs = frozenset(org for org, role in memberships if role == Role.ICB_LEAD)
        self.is_national = user.is_authenticated and (
            user.is_superuser or any(role == Role.NATIONAL_TEAM for _, role in memberships)
        )
        self.is_superuser = user.is_authenticated and user.is_superuser

    # --- questions about one object -------------------------------------------------------

    def may_view_barrier(self, barrier):
        return (
            not barrier.is_confidential
            or self.is_national
            or barrier.organisation_id in self.member_of
        )

    def may_change_for(self, organisation_id):
        return self.is_superuser or organisation_id in self.leads

    def may_change_barrier(self, barrier):
        return self.may_change_for(barrier.organisation_id)

    def may_change_adoption(self, adoption):
        return self.may_change_for(adoption.organisation_id)

    # --- escalations (adoption/escalations/) -------------------------------------------------

    def may_escalate(self, barrier):
        """Whoever changes a barrier escalates it: its organisation's innovation lead."""
        return self.may_change_barrier(barrier)

    def may_view_escalation(self, escalation):
        barrier = escalation.barrier
        return (
            not barrier.is_confidential
            or self.is_national
            or barrier.organisation_id in self.member_of
            or (escalation.icb_id is not None and escalation.icb_id in self.icbs)
        )

    def may_act_on_escalation(self, escalation):
        """The level an escalation is at takes its steps: the ICB's leads, or the national team
        (and superusers)."""
        from adoption.escalations.models import Level

        if escalation.level == Level.ICB:
            return self.is_superuser or escalation.icb_id in self.icbs
        return self.is_national

    @property
    def is_icb_lead(self):
        return bool(self.icbs)

    @property
    def oversees_escalations(self):
        """ICB leads and the national team answer escalations and see the asks made of them."""
        return self.is_national or self.is_icb_lead

    def escalation_filter(self, prefix=""):
        """A Q limiting escalations (reached through `prefix`) to those this user may read."""
        if self.is_national:
            return Q()
        return (
            Q(**{f"{prefix}barrier__is_confidential": False})
            | Q(**{f"{prefix}barrier__organisation_id__in": sorted(self.member_of)})
            | Q(**{f"{prefix}icb_id__in": sorted(self.icbs)})
        )

    def escalation_queue_filter(self):
        """The escalations in this user's queue: those at national level for the national team
        (every one for a superuser), those that went to their ICB for an ICB lead, and their
        own organisations' for an innovation lead. None for anyone else."""
        from adoption.escalations.models import Level

        if self.is_superuser:
            return Q()
        queue = Q(pk__in=[])
        if self.is_national:
            queue |= Q(level=Level.NATIONAL)
        if self.icbs:
            queue |= Q(icb_id__in=sorted(self.icbs))
        if self.leads:
            queue |= Q(barrier__organisation_id__in=sorted(self.leads))
        return queue

    @property
    def is_lead(self):
        return bool(self.leads)

    @property
    def may_log_barriers(self):
        """Innovation leads log barriers for the organisations they lead; superusers for any."""
        return self.is_superuser or self.is_lead

    # --- querysets ------------------------------------------------------------------------

    def barrier_filter(self, prefix=""):
        """A Q limiting barriers (reached through `prefix`, e.g. "barrier__") to those visible."""
        if self.is_national:
            return Q()
        return Q(**{f"{prefix}is_confidential": False}) | Q(
            **{f"{prefix}organisation_id__in": sorted(self.member_of)}
        )

    def visible_barriers(self, queryset):
        return queryset.filter(self.barrier_filter())

    def visible_actions(self, queryset):
        """Actions on a confidential barrier are as confidential as it is."""
        return queryset.filter(self.barrier_filter("barrier__"))

    def organisations_led(self):
        """The organisations this user may record adoptions and barriers for."""
        if self.is_superuser:
            return Organisation.objects.active()
        return Organisation.objects.filter(pk__in=self.leads)

    # --- granting access in the admin -----------------------------------------------------

    @property
    def may_grant_privileges(self):
        """Superuser and staff status, groups and permissions."""
        return self.is_superuser

    def may_grant_role(self, role):
        return self.is_superuser or role == Role.INNOVATION_LEAD

    def administrable_users(self, queryset):
        """The accounts whose details, password and memberships this user may change."""
        if self.is_superuser:
            return queryset
        ungrantable = [role for role in Role if not self.may_grant_role(role)]
        return queryset.filter(
            is_staff=False, is_superuser=False, groups=None, user_permissions=None
        ).exclude(memberships__role__in=ungrantable)

    def administrable_memberships(self, queryset):
        if self.is_superuser:
            return queryset
        return queryset.filter(user__in=self.administrable_users(get_user_model().objects.all()))


def access_for(request_or_user):
    """The Access for a request's user, cached on the request; or for a bare user."""
    request = request_or_user if hasattr(request_or_user, "user") else None
    if request is None:
        return Access(request_or_user)
    if not hasattr(request, "_spreadwatch_access"):
        request._spreadwatch_access = Access(request.user)
    return request._spreadwatch_access
