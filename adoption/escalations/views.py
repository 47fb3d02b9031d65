"""Escalation pages: the queue, the national asks, one escalation with its history, and the two
forms (escalating a barrier, taking a step). Views ask the access policy, read through selectors
and write through services; the rules live there."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from adoption.accounts.policy import access_for
from adoption.barriers import selectors as barrier_selectors
from adoption.core.csv_export import streaming_csv
from adoption.core.forms import applied_filters
from adoption.core.parameters import refused_download
from adoption.escalations import selectors, services
from adoption.escalations.filters import EscalationFilter
from adoption.escalations.forms import EscalateForm, StepForm

BAD_INPUT = 400
CONFLICT = 409
PAGE_SIZE = 25


def _add_errors(form, error):
    """A service's refusal, beside the fields it names."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_safe
def queue(request):
    """What is escalated to the viewer's ICB or the national team, or a lead's own
    organisation's escalations: filtered, newest first, a page at a time."""
    access = access_for(request)
    query = request.GET.copy()
    query.pop("page", None)
    filterset = EscalationFilter(query or None, queryset=selectors.queue_queryset(access))
    status, page = 200, None
    if filterset.is_bound and not filterset.is_valid():
        status = BAD_INPUT
    else:
        escalations = filterset.qs if filterset.is_bound else filterset.queryset
        page = Paginator(escalations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "applied": applied_filters(filterset.form, request.GET),
        "page": page,
        "query": query.urlencode(),
        "access": access,
        "today": timezone.localdate(),
    }
    return render(request, "escalations/queue.html", context, status=status)


@require_safe
def asks(request):
    """What is asked of the national team (or of an ICB), by lever and innovation."""
    access = access_for(request)
    if not access.oversees_escalations:
        raise PermissionDenied("The asks are for ICB leads and the national team.")
    today = timezone.localdate()
    if "download" in request.GET:
        refused = refused_download(request.GET, {"download"})
        if refused:
            return refused
        rows = selectors.asks(access, today=today)
        return streaming_csv(
            [label for _, label in selectors.ASK_COLUMNS],
            ([row[key] for key, _ in selectors.ASK_COLUMNS] for row in rows),
            filename=f"spreadwatch-escalation-asks-{today.isoformat()}",
        )
    context = {"rows": selectors.asks(access, today=today), "today": today}
    return render(request, "escalations/asks.html", context)


@require_safe
def detail(request, public_id):
    access = access_for(request)
    escalation = selectors.escalation_for(access, public_id)
    context = {
        "escalation": escalation,
        "barrier": escalation.barrier,
        "history": selectors.escalation_history(escalation),
        "may_act": access.may_act_on_escalation(escalation) and bool(escalation.next_steps),
        "may_view_barrier": access.may_view_barrier(escalation.barrier),
        "today": timezone.localdate(),
    }
    return render(request, "escalations/detail.html", context)


@require_http_methods(["GET", "POST"])
def step(request, public_id):
    """The level the escalation is at takes its next step."""
    access = access_for(request)
    escalation = selectors.escalation_for(access, public_id)
    if not access.may_act_on_escalation(escalation):
        raise PermissionDenied("Only the level it is escalated to takes its steps.")
    posted = request.POST if request.method == "POST" else None
    form = StepForm(posted, escalation=escalation)
    conflict = False
    seen = request.POST.get("version", "")
    seen_version = int(seen) if seen.isascii() and seen.isdigit() and len(seen) < 10 else None
    if request.method == "POST" and seen_version not in (None, escalation.version):
        # Moved on since the form was opened: say so, rather than that the step is not offered.
        conflict = True
        form = StepForm(escalation=escalation)
    elif request.method == "POST" and form.is_valid():
        try:
            services.take_step(
                by=request.user,
                escalation=escalation,
                to_state=form.cleaned_data["to_state"],
                note=form.cleaned_data["note"],
                lever_needed=form.cleaned_data["lever_needed"],
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleEdit as stale:
            conflict = True
            escalation = stale.current
            form = StepForm(escalation=escalation)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "The escalation has been updated.")
            return redirect(escalation.get_absolute_url())
    status = CONFLICT if conflict else BAD_INPUT if form.is_bound else 200
    context = {
        "form": form,
        "escalation": escalation,
        "conflict": conflict,
        "history": selectors.escalation_history(escalation) if conflict else [],
    }
    return render(request, "escalations/step_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def escalate(request, public_id):
    """A lead escalates their organisation's open barrier to the ICB or the national team."""
    access = access_for(request)
    barrier = barrier_selectors.barrier_for(access, public_id)
    if not access.may_escalate(barrier):
        raise PermissionDenied("Only the reporting organisation's innovation lead may escalate.")
    form = EscalateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            escalation = services.escalate(by=request.user, barrier=barrier, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "The barrier has been escalated.")
            return redirect(escalation.get_absolute_url())
    status = BAD_INPUT if form.is_bound else 200
    context = {"form": form, "barrier": barrier}
    return render(request, "escalations/escalate_form.html", context, status=status)
