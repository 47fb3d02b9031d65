from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from adoption.accounts.policy import access_for
from adoption.barriers.selectors import lead_home
from adoption.core import selectors


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 when it does not; says nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
def home(request):
    access = access_for(request)
    context = {
        "access": access,
        "homes": lead_home(access) if access.is_lead else [],
        "summary": selectors.service_summary(access),
    }
    return render(request, "core/home.html", context)
