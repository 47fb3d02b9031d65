"""Response headers for every page."""

from django.conf import settings


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
