"""Finding an organisation by name or ODS code, from the search in the header."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from adoption.registry.filters import OrganisationFilter
from adoption.registry.models import Organisation

SHOWN = 50
BAD_INPUT = 400


@require_safe
def organisation_search(request):
    """Matches by name or ODS code, the first `SHOWN` of them; an exact ODS code goes straight
    to that organisation's page."""
    search = OrganisationFilter(
        request.GET or None, queryset=Organisation.objects.select_related("region")
    )
    text = (request.GET.get("q") or "").strip()
    context = {"search": search, "text": text, "results": None, "count": 0}
    if search.is_bound and not search.is_valid():
        return render(request, "registry/search.html", context, status=BAD_INPUT)
    if text:
        found = search.qs
        exact = found.filter(ods_code__iexact=text).first()
        if exact is not None:
            return redirect("dashboard-organisation", ods_code=exact.ods_code)
        context |= {"results": found[:SHOWN], "count": found.count(), "shown": SHOWN}
    return render(request, "registry/search.html", context)
