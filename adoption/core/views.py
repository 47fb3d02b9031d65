from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.http import HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from adoption.core import replicas


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


@never_cache
@require_safe
def replica_status(request):
    """What this process last saw of each read replica (administrators only): whether it
    answers, how far it lags and how many requests have read it. Not part of /healthz, which
    stays 200 while the primary answers."""
    if not request.user.is_superuser:
        raise PermissionDenied
    return JsonResponse(
        {
            "primary": connections[DEFAULT_DB_ALIAS].settings_dict["HOST"] or "local",
            "reading": replicas.reading(),
            "replicas": [state.as_dict() for state in replicas.replicas.states()],
        }
    )


def page_not_found(request, exception):
    """Not found: the API answers in JSON, as its schema says, whatever path was asked for;
    everywhere else, the service's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
