"""What every request and response passes through: refused odd requests and response headers."""

from urllib.parse import unquote

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse


class ContentSecurityPolicyMiddleware:
    """Send the Content Security Policy (settings.CONTENT_SECURITY_POLICY): every script,
    stylesheet, image and font comes from this service itself. Style attributes are allowed
    for the server-drawn heatmaps and funnels; no inline script runs."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            f"{directive} {' '.join(sources)}"
            for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class RejectNulMiddleware:
    """Answer 400 to a request whose path or query string holds a NUL character: no page
    takes one, and PostgreSQL refuses to compare text with it (a server error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(query):
            message = "The address holds a NUL character."
            if request.path.startswith("/api/"):  # the API answers in JSON, as its schema says
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain")
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """Responses built for a signed-in user (pages, downloads, the API) are never stored by a
    shared cache or the browser's disk cache: `Cache-Control: private, no-store`. Static files
    are served before this runs and keep their long cache lifetimes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response
