"""The home page, and the national dashboards: read the filters, build the page (`pages`) and
render it, or the CSV of one of its tables when `?download=<table>` asks for it."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from adoption.accounts.policy import access_for
from adoption.barriers.selectors import lead_home
from adoption.core.csv_export import bad_filters
from adoption.core.parameters import refused_download
from adoption.dashboards import pages, selectors
from adoption.dashboards.filters import DashboardFilters
from adoption.dashboards.tables import csv_response
from adoption.registry.models import Innovation, Organisation

BAD_INPUT = 400


@require_safe
def home(request):
    """A lead's own organisations first, then the service at a glance."""
    access = access_for(request)
    context = {
        "access": access,
        "homes": lead_home(access) if access.is_lead else [],
        "summary": selectors.service_summary(access),
    }
    return render(request, "dashboards/home.html", context)


# What a dashboard's CSV download takes beside its filters: which table, and (on Spread) every
# flag rather than the first.
DOWNLOAD_PARAMETERS = ("download", "flags")


def _render(request, template, filters, page):
    wanted = request.GET.get("download")
    refused = wanted and refused_download(
        request.GET, [*filters.form.fields, *DOWNLOAD_PARAMETERS]
    )
    if refused:
        return refused
    if wanted and not filters.is_valid():
        return bad_filters(filters.form.errors)
    if wanted:
        table = page.table(wanted)
        if table is None:
            raise Http404("No such table on this page.")
        return csv_response(table, page=page.title)
    query = request.GET.copy()
    query.pop("download", None)
    return render(
        request,
        template,
        {
            "title": page.title,
            "filters": filters,
            "tables": {table.name: table for table in page.tables},
            "query": query.urlencode(),
            "today": timezone.localdate(),
            **page.context,
        },
        status=200 if filters.is_valid() else BAD_INPUT,
    )


@require_safe
def spread(request):
    filters = DashboardFilters(request, with_grouping=True)
    page = pages.spread(filters, every_flag=request.GET.get("flags") == "all")
    return _render(request, "dashboards/spread.html", filters, page)


@require_safe
def stall(request, innovation, grouping, code):
    """One innovation in one group: why it is (or is not) flagged, with its XmR chart."""
    innovation = get_object_or_404(Innovation, pk=innovation)
    try:
        key = pages.group_key(grouping, code)
    except (LookupError, Organisation.DoesNotExist):
        raise Http404("No such group.") from None
    filters = DashboardFilters(request)
    page = pages.stall(filters, innovation, grouping, key)
    return _render(request, "dashboards/stall.html", filters, page)


@require_safe
def barriers(request):
    filters = DashboardFilters(request, with_grouping=True)
    return _render(request, "dashboards/barriers.html", filters, pages.barriers(filters))


@require_safe
def savings(request):
    filters = DashboardFilters(request)
    return _render(request, "dashboards/savings.html", filters, pages.savings(filters))


@require_safe
def what_worked(request):
    filters = DashboardFilters(request)
    return _render(request, "dashboards/what_worked.html", filters, pages.what_worked(filters))


@require_safe
def innovation(request, pk):
    innovation = get_object_or_404(Innovation, pk=pk)
    filters = DashboardFilters(request, with_grouping=True)
    page = pages.innovation(filters, innovation)
    return _render(request, "dashboards/innovation.html", filters, page)


@require_safe
def organisation(request, ods_code):
    organisation = get_object_or_404(
        Organisation.objects.select_related("icb", "region"), ods_code=ods_code.upper()
    )
    filters = DashboardFilters(request)
    page = pages.organisation(filters, organisation)
    return _render(request, "dashboards/organisation.html", filters, page)
