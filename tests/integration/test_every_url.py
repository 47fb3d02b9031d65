"""Every URL pattern, requested by every role: anonymous users reach only the sign-in page and
/healthz, nobody ever gets a server error, and the admin is for staff only."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

# The two sign-in pages (the service's and the admin's) and the health check.
PUBLIC = {"/healthz", "/accounts/login/", "/admin/login/"}


def flatten(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from flatten(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def concrete(route, world):
    """Turn a route into a URL with real ids; None for patterns we cannot fill."""
    if route.startswith("^") or "(?P" in route:
        route = re.sub(r"\(\?P<app_label>[^)]*\)", "barriers", route)
        route = route.replace("^", "").replace("$", "").replace("\\", "")
        if "(?" in route:
            return None
    pk = world.adoption_a.pk if route.startswith("adoptions/") else world.barrier_a.pk
    url = re.sub(r"<int:\w+>", str(pk), route)
    url = re.sub(r"<path:object_id>", str(world.barrier_a.pk), url)
    url = re.sub(r"<(?:\w+:)?\w+>", "1", url)
    return "/" + url


def every_url(world):
    urls = sorted(
        {url for route in flatten(get_resolver().url_patterns) if (url := concrete(route, world))}
    )
    assert len(urls) > 40, "the walk should reach the admin and every page"
    return urls


def test_anonymous_users_reach_only_login_and_healthz(client, world):
    for url in every_url(world):
        response = client.get(url)
        if url in PUBLIC:
            assert response.status_code == 200, url
        elif url.startswith("/api/"):
            # The API answers rather than redirects: 401 and a WWW-Authenticate challenge.
            assert response.status_code in (401, 404), url
            if response.status_code == 401:
                assert response["WWW-Authenticate"].startswith("Token"), url
        else:
            assert response.status_code in (302, 404), url
            if response.status_code == 302:
                assert "login" in response["Location"], url


@pytest.mark.parametrize("role", ["lead_a", "lead_b", "national", "admin"])
def test_no_url_fails_for_any_role(client, world, role):
    signed_in(client, world.users[role])
    for url in every_url(world):
        if url.endswith("/logout/"):
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        if url.startswith("/admin/") and url not in PUBLIC and role != "admin":
            assert response.status_code in (302, 404), url
            if response.status_code == 302:
                assert response["Location"].startswith("/admin/login/"), url
