"""A misspelt or unknown query parameter on an API endpoint or a CSV download is a 400 naming
it and listing the ones it takes, never silently ignored (which would answer with everything);
the pages people read keep ignoring what they do not know."""

import re

import pytest
from django.urls import get_resolver

from tests.integration.conftest import signed_in
from tests.integration.test_every_url import flatten

pytestmark = pytest.mark.django_db


def api_urls(world):
    """Every API URL pattern, its ids filled in (router patterns are regular expressions)."""
    fill = {
        "ods_code": world.trust_a.ods_code,
        "public_id": world.barrier_a.public_id,
        "pk": str(world.innovation.pk),
        "slug": world.innovation.slug,
    }
    urls = set()
    for route in flatten(get_resolver().url_patterns):
        if not route.startswith("api/"):
            continue
        url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: fill[m.group(1)], route)
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: fill[m.group(1)], url)
        urls.add("/" + url.replace("^", "").replace("$", "").replace("\\", ""))
    assert len(urls) >= 15, "the walk should reach every list, record and dashboard"
    return sorted(urls)


def test_every_api_endpoint_refuses_a_parameter_it_does_not_take(client, world):
    signed_in(client, world.national)
    for url in api_urls(world):
        response = client.get(url, {"regionn": "Y62"})
        assert response.status_code == 400, url
        if response["Content-Type"].startswith("application/json"):
            body = response.json()
            assert body["unknown_parameters"] == ["regionn"], url
            assert '"regionn"' in body["detail"], url


def test_the_refusal_lists_what_the_endpoint_takes(client, world):
    signed_in(client, world.national)
    body = client.get("/api/v1/barriers/", {"regionn": "Y62", "statuss": "open"}).json()

    assert body["unknown_parameters"] == ["regionn", "statuss"]
    assert {"region", "status", "category", "cursor", "page_size"} <= set(
        body["accepted_parameters"]
    )
    # One record takes no query parameters at all.
    detail = client.get(f"/api/v1/barriers/{world.barrier_a.public_id}/", {"region": "Y62"})
    assert detail.status_code == 400
    assert detail.json()["accepted_parameters"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/barriers/?region=Y56&status=open&page_size=10",
        "/api/v1/organisations/?region=Y56",
        "/api/v1/dashboards/spread/?group_by=icb&region=Y56",
        "/api/v1/dashboards/what-worked/?category=silo-working",
        "/api/schema/?format=json",
        "/api/v1/",
        "/api/docs/",
    ],
)
def test_parameters_an_endpoint_takes_still_work(client, world, url):
    signed_in(client, world.national)
    assert client.get(url).status_code == 200, url


def test_a_stranger_is_asked_to_sign_in_before_being_told_about_parameters(client, world):
    response = client.get("/api/v1/barriers/", {"regionn": "Y62"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "/barriers/export.csv?regionn=Y62",
        "/adoptions/export.csv?stagee=piloting",
        "/dashboard/?download=matrix&regionn=Y62",
        "/dashboard/barriers/?download=heatmap&categori=silo-working",
    ],
)
def test_a_csv_download_refuses_a_parameter_it_does_not_take(client, world, url):
    signed_in(client, world.national)
    response = client.get(url)

    assert response.status_code == 400
    unknown = url.split("&")[-1].split("?")[-1].split("=")[0]
    assert f'"{unknown}"' in response.content.decode()
    assert response["Content-Type"].startswith("text/plain")


def test_pages_people_read_keep_ignoring_what_they_do_not_know(client, world):
    signed_in(client, world.national)
    assert client.get("/dashboard/", {"regionn": "Y62"}).status_code == 200
    assert client.get("/barriers/", {"utm_source": "email"}).status_code == 200
    # And a download with only what it takes still downloads.
    response = client.get("/barriers/export.csv", {"region": "Y56"})
    assert response.status_code == 200


def test_the_api_reference_sends_a_signed_out_visitor_to_sign_in(client, world):
    response = client.get("/api/docs/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"
    signed_in(client, world.national)
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("region=", "Give region a value, or leave it out."),
        ("region=Y56&region=Y62", "Give region once: it was given 2 times."),
        ("severity=2&severity=2", "Give severity once: it was given 2 times."),
    ],
)
def test_a_parameter_given_empty_or_twice_is_refused_by_the_api(client, world, query, message):
    """A script that lost track of a value asks for something other than it means: the API
    says so, where a page would show everything."""
    signed_in(client, world.national)

    for url in ("/api/v1/barriers/", "/api/v1/dashboards/spread/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, url
        assert response.json()[query.split("=")[0]] == [message], url
    assert client.get("/api/v1/barriers/?page_size=").json() == {
        "page_size": ["Give page_size a value, or leave it out."]
    }
    assert client.get("/barriers/?region=").status_code == 200  # a page shows everything


def test_a_method_the_api_does_not_answer_gets_405_whatever_its_parameters(client, world):
    signed_in(client, world.national)
    response = client.generic("TRACE", "/api/v1/pathways/?cursor=x&page_size=1")

    assert response.status_code == 405


@pytest.mark.parametrize("url", ["/api/v1/no-such-list/", "/api/v1/barriers/%C2%84/"])
def test_an_api_address_that_does_not_exist_is_a_json_404(client, world, url):
    signed_in(client, world.national)
    response = client.get(url)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert client.get("/no-such-page/").get("Content-Type").startswith("text/html")


def test_a_nul_in_an_api_address_is_a_json_400(client, world):
    signed_in(client, world.national)
    response = client.get("/api/v1/barriers/?region=%00")

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
