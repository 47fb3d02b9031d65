"""Every URL pattern, requested by every role: anonymous users reach only the sign-in page and
/healthz, nobody ever gets a server error, the admin is for staff only, and a reference data
administrator reaches only their group's models and never a superuser's account."""

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from adoption.accounts.apps import REFERENCE_ADMIN_MODELS
from tests.factories import ReferenceAdminFactory
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

# The two sign-in pages (the service's and the admin's) and the health check.
PUBLIC = {"/healthz", "/accounts/login/", "/admin/login/"}
# Pages opened by a signed token from an email, without signing in: a token that is not one
# answers 400 (the walk fills it with "1").
SIGNED_LINKS = {"/notifications/unsubscribe/1/"}

# The admin's list page of each model the reference data administrators' group maintains.
REFERENCE_ADMIN_PAGES = {
    f"/admin/{app_label}/{model_name}/"
    for app_label, model_names in REFERENCE_ADMIN_MODELS.items()
    for model_name in model_names
}


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
    route = re.sub(r"<public_id:\w+>", world.barrier_a.public_id, route)
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


def test_anonymous_users_reach_only_login_and_healthz(client, icb_world):
    world = icb_world
    for url in every_url(world):
        response = client.get(url)
        if url in PUBLIC:
            assert response.status_code == 200, url
        elif url in SIGNED_LINKS:
            assert response.status_code == 400, url
        elif url == "/api/docs/":
            # The API's reference is a page of the service: sign in first.
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/?next=/api/docs/"), url
        elif url.startswith("/api/"):
            # The API answers rather than redirects: 401 and a WWW-Authenticate challenge.
            assert response.status_code in (401, 404), url
            if response.status_code == 401:
                assert response["WWW-Authenticate"].startswith("Token"), url
        else:
            assert response.status_code in (302, 404), url
            if response.status_code == 302:
                assert "login" in response["Location"], url


@pytest.mark.parametrize("role", ["lead_a", "lead_b", "icb", "icb_other", "national", "admin"])
def test_no_url_fails_for_any_role(client, icb_world, role):
    world = icb_world
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


def test_reference_admin_reaches_only_their_groups_models(client, world):
    signed_in(client, ReferenceAdminFactory())
    registered = {
        f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry
    }
    maintained = sorted(registered & REFERENCE_ADMIN_PAGES)
    outside = tuple(registered - REFERENCE_ADMIN_PAGES)
    urls = [url for url in every_url(world) if not url.endswith("/logout/")]
    assert any(url.startswith(outside) for url in urls), "the walk should reach other models"

    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if url.startswith(outside):
            assert response.status_code != 200, url
    for page in maintained:
        assert client.get(page).status_code == 200, page
        assert client.get(page + "add/").status_code == 200, page
    for view in ("change", "password_change", "history", "delete"):
        response = client.get(reverse(f"admin:auth_user_{view}", args=[world.admin.pk]))
        assert response.status_code in (302, 403, 404), view


# What each role gets from the escalation pages, with barrier A (not confidential) escalated to
# the ICB of trusts A and B: the lead of A escalated it, the ICB's lead acts on it.
ESCALATION_MATRIX = {
    #                 lead_a lead_b icb  icb_other national admin
    "/escalations/": (200, 200, 200, 200, 200, 200),
    "/escalations/asks/": (403, 403, 200, 200, 200, 200),
    "/escalations/asks/?download=csv": (403, 403, 200, 200, 200, 200),
    "/escalations/{id}/": (200, 200, 200, 200, 200, 200),
    "/escalations/{id}/step/": (403, 403, 200, 403, 403, 200),
    "/barriers/{id}/escalate/": (200, 403, 403, 403, 403, 200),
}
MATRIX_ROLES = ("lead_a", "lead_b", "icb", "icb_other", "national", "admin")


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_escalation_pages_by_role(client, icb_world, role):
    signed_in(client, icb_world.users[role])
    column = MATRIX_ROLES.index(role)
    for template, statuses in ESCALATION_MATRIX.items():
        url = template.format(id=icb_world.barrier_a.public_id)
        assert client.get(url).status_code == statuses[column], url


# What each role gets from the notification pages: each person manages their own follows;
# the unsubscribe link needs no sign-in, only a token signed for its person.
NOTIFICATION_MATRIX = {
    #                              lead_a lead_b icb  icb_other national admin
    "/notifications/": (200, 200, 200, 200, 200, 200),
    "/notifications/unsubscribe/{token}/": (200, 200, 200, 200, 200, 200),
    "/notifications/unsubscribe/forged/": (400, 400, 400, 400, 400, 400),
    "/notifications/{follow}/remove/": (405, 405, 405, 405, 405, 405),
}


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_notification_pages_by_role(client, icb_world, role):
    from adoption.notifications.models import Follow
    from adoption.notifications.services import unsubscribe_token

    follow = Follow.objects.create(user=icb_world.lead_a, innovation=icb_world.innovation)
    token = unsubscribe_token(icb_world.lead_a, follow)
    signed_in(client, icb_world.users[role])
    column = MATRIX_ROLES.index(role)
    for template, statuses in NOTIFICATION_MATRIX.items():
        url = template.format(token=token, follow=follow.pk)
        assert client.get(url).status_code == statuses[column], url
    # Only lead A removes lead A's follow.
    removed = client.post(f"/notifications/{follow.pk}/remove/")
    assert removed.status_code == (302 if role == "lead_a" else 404)
