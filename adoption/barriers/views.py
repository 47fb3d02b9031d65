"""Pages for innovation leads: log and manage barriers, record actions, move adoptions on.

Views ask the access policy, read through selectors and write through services; they hold no
rules of their own.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from adoption.accounts.policy import access_for
from adoption.barriers import merge, selectors, services
from adoption.barriers.filters import AdoptionFilter, BarrierFilter
from adoption.barriers.forms import (
    AdoptionStartForm,
    BarrierForm,
    BarrierStatusForm,
    EnablerActionForm,
    StageForm,
    already_recorded,
)
from adoption.barriers.models import Adoption
from adoption.core.csv_export import bad_filters, converters, streaming_csv
from adoption.core.forms import applied_filters
from adoption.core.pagination import BadCursor, count_or_estimate, keyset_page
from adoption.core.parameters import refused_download
from adoption.escalations import selectors as escalation_selectors

BAD_INPUT = 400
CONFLICT = 409


def _barrier_fields(form):
    return {
        name: form.cleaned_data[name]
        for name in form.Meta.fields
        if name not in ("partners",) and name in form.cleaned_data
    }


@require_safe
def barrier_register(request):
    """The barrier register: filtered, newest first, a keyset page at a time."""
    access = access_for(request)
    filterset = BarrierFilter(request.GET or None, queryset=selectors.register_queryset(access))
    status, page, count = 200, None, None
    if filterset.is_bound and not filterset.is_valid():
        status = BAD_INPUT
    else:
        barriers = filterset.qs if filterset.is_bound else filterset.queryset
        try:
            page = keyset_page(
                barriers,
                order=selectors.REGISTER_ORDER,
                after=request.GET.get("after"),
                before=request.GET.get("before"),
            )
        except BadCursor as error:
            filterset.form.add_error(None, str(error))
            status = BAD_INPUT
        else:
            count = count_or_estimate(barriers)
    query = request.GET.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    context = {
        "filter": filterset,
        "applied": applied_filters(filterset.form, request.GET),
        "page": page,
        "count": count,
        "query": query.urlencode(),
        "today": timezone.localdate(),
    }
    return render(request, "barriers/register.html", context, status=status)


def _csv_export(filterset, columns, name):
    """Stream the filter set's rows as CSV, or answer 400 naming each bad or unknown filter."""
    refused = refused_download(filterset.data or {}, filterset.base_filters)
    if refused:
        return refused
    if filterset.is_bound and not filterset.is_valid():
        return bad_filters(filterset.errors)
    rows = filterset.qs if filterset.is_bound else filterset.queryset
    return streaming_csv(
        [label for _, label in columns],
        selectors.export_rows(rows, columns),
        filename=f"spreadwatch-{name}-{timezone.localdate().isoformat()}",
        convert=converters(rows.model, [lookup for lookup, _ in columns]),
    )


@require_safe
def barrier_export(request):
    """The filtered register as CSV: every matching barrier the user may see."""
    queryset = selectors.register_queryset(access_for(request))
    return _csv_export(
        BarrierFilter(request.GET or None, queryset=queryset),
        selectors.BARRIER_EXPORT_COLUMNS,
        "barriers",
    )


@require_safe
def adoption_export(request):
    queryset = Adoption.objects.order_by("innovation__name", "organisation__name", "id")
    return _csv_export(
        AdoptionFilter(request.GET or None, queryset=queryset),
        selectors.ADOPTION_EXPORT_COLUMNS,
        "adoptions",
    )


@require_http_methods(["GET", "POST"])
def barrier_create(request):
    access = access_for(request)
    if not access.may_log_barriers:
        raise PermissionDenied("Only innovation leads log barriers.")
    form = BarrierForm(request.POST or None, access=access, initial=_initial_from(request))
    if request.method == "POST" and form.is_valid():
        barrier = services.record_barrier(
            by=request.user,
            fields=_barrier_fields(form),
            partners=form.cleaned_data["partners"],
        )
        messages.success(request, f"Barrier {barrier.public_id} logged.")
        return redirect(barrier_url(barrier))
    status = BAD_INPUT if form.is_bound else 200
    return render(
        request, "barriers/barrier_form.html", {"form": form, "creating": True}, status=status
    )


def _initial_from(request):
    """Pre-fill from links such as 'log a barrier for this adoption'."""
    initial = {}
    if request.method == "GET" and request.GET.get("innovation", "").isdigit():
        initial["innovation"] = int(request.GET["innovation"])
    return initial


def barrier_url(barrier):
    return reverse("barrier-detail", args=[barrier.public_id])


@require_http_methods(["GET", "HEAD"])
def barrier_detail(request, public_id):
    access = access_for(request)
    barrier = selectors.barrier_for(access, public_id)
    context = {
        "barrier": barrier,
        "actions": selectors.barrier_actions(barrier),
        "partners": list(barrier.partners.order_by("name")),
        "history": selectors.barrier_history(barrier),
        "may_change": access.may_change_barrier(barrier),
        "escalations": escalation_selectors.barrier_escalations(access, barrier),
        "today": timezone.localdate(),
    }
    if barrier.is_open:
        context |= {
            "solved_elsewhere": selectors.who_has_solved(access, barrier),
            "resolving_elsewhere": selectors.time_to_resolve_elsewhere(access, barrier),
        }
    return render(request, "barriers/barrier_detail.html", context)


def _changeable_barrier(request, public_id):
    access = access_for(request)
    barrier = selectors.barrier_for(access, public_id)
    if not access.may_change_barrier(barrier):
        raise PermissionDenied(
            "Only the reporting organisation's innovation lead may change this."
        )
    return access, barrier


def _merged_form(form, current, **form_kwargs):
    """After a conflict: the record as saved now with this editor's own changes applied."""
    names = [name for name in form.fields if name != "version"]
    merged = merge.merge(
        names,
        base=merge.record_values(current, names, version=form.cleaned_data["version"]),
        mine=form.cleaned_data,
        theirs=merge.record_values(current, names),
    )
    return merge.reoffer(
        type(form), merged, mine_form=form, version=current.version, **form_kwargs
    )


def _edit_barrier(request, barrier, form, *, save, saved, template, **form_kwargs):
    """Save a versioned barrier form, or, when someone else saved first, show what they changed
    and offer the record as saved now with the user's own changes applied (409)."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except services.StaleEdit as stale:
            conflict = selectors.barrier_history(
                stale.current, since_version=form.cleaned_data["version"]
            )
            form = _merged_form(form, stale.current, instance=stale.current, **form_kwargs)
            barrier = stale.current
        else:
            messages.success(request, saved)
            return redirect(barrier_url(barrier))
    status = CONFLICT if conflict else BAD_INPUT if form.is_bound else 200
    context = {"form": form, "barrier": barrier, "conflict": conflict}
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def barrier_edit(request, public_id):
    access, barrier = _changeable_barrier(request, public_id)
    form = BarrierForm(
        request.POST or None,
        instance=barrier,
        access=access,
        initial={"partners": list(barrier.partners.all())},
    )
    return _edit_barrier(
        request,
        barrier,
        form,
        save=lambda form: services.update_barrier(
            by=request.user,
            barrier=barrier,
            fields=_barrier_fields(form),
            partners=form.cleaned_data["partners"],
            expected_version=form.cleaned_data["version"],
        ),
        saved="Your changes have been saved.",
        template="barriers/barrier_form.html",
        access=access,
    )


@require_http_methods(["GET", "POST"])
def barrier_status(request, public_id):
    _, barrier = _changeable_barrier(request, public_id)
    return _edit_barrier(
        request,
        barrier,
        BarrierStatusForm(request.POST or None, instance=barrier),
        save=lambda form: services.change_barrier_status(
            by=request.user,
            barrier=barrier,
            status=form.cleaned_data["status"],
            resolved_on=form.cleaned_data["resolved_on"],
            expected_version=form.cleaned_data["version"],
        ),
        saved="The status has been changed.",
        template="barriers/status_form.html",
    )


@require_http_methods(["GET", "POST"])
def action_create(request, public_id):
    _, barrier = _changeable_barrier(request, public_id)
    form = EnablerActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_enabler_action(
                by=request.user, barrier=barrier, fields=form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "The action has been recorded.")
            return redirect(barrier_url(barrier))
    status = BAD_INPUT if form.is_bound else 200
    return render(
        request, "barriers/action_form.html", {"form": form, "barrier": barrier}, status=status
    )


def _add_errors(form, error):
    """A service's refusal, beside the fields it names."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_http_methods(["GET", "POST"])
def action_edit(request, public_id, action_id):
    """Change what is recorded of an action: its dates, owner, outcome and notes."""
    _, barrier = _changeable_barrier(request, public_id)
    action = get_object_or_404(selectors.barrier_actions(barrier), public_id=action_id)
    form = EnablerActionForm(request.POST or None, instance=action)
    conflict = None
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.update_enabler_action(
                by=request.user,
                action=action,
                fields=fields,
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleEdit as stale:
            opened_at = form.cleaned_data["version"]
            conflict = selectors.action_history(stale.current, since_version=opened_at)
            form = _merged_form(form, stale.current, instance=stale.current)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "The action has been saved.")
            return redirect(barrier_url(barrier))
    status = CONFLICT if conflict else BAD_INPUT if form.is_bound else 200
    context = {"form": form, "barrier": barrier, "action": action, "conflict": conflict}
    return render(request, "barriers/action_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def adoption_create(request):
    """Start recording an innovation the lead's organisation has not recorded yet."""
    access = access_for(request)
    if not access.is_lead and not access.is_superuser:
        raise PermissionDenied("Only innovation leads record adoptions.")
    led = access.organisations_led()
    organisation = (
        led.filter(ods_code=request.GET.get("organisation", "")).first() or led.first()
        if request.method == "GET"
        else None
    )
    form = AdoptionStartForm(request.POST or None, access=access, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            adoption = services.create_adoption(
                by=request.user,
                adoption=Adoption(
                    innovation=data["innovation"],
                    organisation=data["organisation"],
                    stage=data["stage"],
                    route=data["route"],
                ),
                note="Recorded by the innovation lead",
            )
        except IntegrityError:
            # Recorded by someone else since the form was checked.
            form.add_error(
                "innovation", already_recorded(data["innovation"], data["organisation"])
            )
        else:
            messages.success(
                request, f"{adoption.innovation} recorded at {adoption.organisation}."
            )
            return redirect("adoption-detail", pk=adoption.pk)
    if form.is_bound and form.cleaned_data.get("organisation"):
        form.offer_for(form.cleaned_data["organisation"])
    status = BAD_INPUT if form.is_bound else 200
    return render(request, "barriers/adoption_form.html", {"form": form}, status=status)


def _adoption(request, pk):
    return get_object_or_404(Adoption.objects.select_related("innovation", "organisation"), pk=pk)


@require_http_methods(["GET", "POST"])
def adoption_detail(request, pk):
    access = access_for(request)
    adoption = _adoption(request, pk)
    may_change = access.may_change_adoption(adoption)
    form = StageForm(request.POST or None, initial={"version": adoption.version})
    conflict = False
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied("Only the organisation's innovation lead may change this.")
        if form.is_valid():
            try:
                services.change_stage(
                    by=request.user,
                    adoption=adoption,
                    stage=form.cleaned_data["stage"],
                    on=form.cleaned_data["changed_on"],
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                )
            except services.StaleEdit as stale:
                conflict = True
                adoption = stale.current
                form = _merged_form(form, adoption)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, "The stage has been updated.")
                return redirect("adoption-detail", pk=adoption.pk)
    open_barriers = selectors.adoption_open_barriers(access, adoption)
    context = {
        "adoption": adoption,
        "form": form,
        "may_change": may_change,
        "conflict": conflict,
        "stage_changes": adoption.stage_changes.select_related("changed_by").order_by(
            "-changed_on", "-id"
        ),
        "open_barriers": open_barriers,
        "today": timezone.localdate(),
    }
    status = CONFLICT if conflict else BAD_INPUT if form.is_bound else 200
    return render(request, "barriers/adoption_detail.html", context, status=status)


@require_POST
def adoption_no_barrier(request, pk):
    access = access_for(request)
    adoption = _adoption(request, pk)
    if not access.may_change_adoption(adoption):
        raise PermissionDenied("Only the organisation's innovation lead may change this.")
    try:
        services.confirm_no_current_barrier(by=request.user, adoption=adoption)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Recorded that nothing currently blocks {adoption.innovation}.")
    return redirect(reverse("adoption-detail", args=[pk]))
