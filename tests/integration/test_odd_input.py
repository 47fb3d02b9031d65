"""Odd and hostile query strings never cause a server error."""

import pytest

from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/barriers/",
    "/barriers/export.csv",
    "/adoptions/export.csv",
    "/dashboard/",
    "/dashboard/barriers/",
    "/dashboard/savings/",
    "/dashboard/what-worked/",
    "/dashboard/innovations/{innovation}/",
    "/dashboard/organisations/RAA/",
]
QUERIES = [
    "region=<script>alert(1)</script>",
    "region=Y56&region=Y58",
    "icb=%00",
    "identified_after=99999-01-01",
    "identified_before=2026-02-30",
    "identified_after=2026-01-01T00:00:00%2B99:00",
    "severity=-1",
    "severity=1e9",
    "innovation=abc",
    "innovation=99999999999999999999",
    "pathway=-5",
    "category=%27%3B%20DROP%20TABLE",
    "stage=ZZ",
    "status=",
    "org_type=" + "x" * 5000,
    "organisation=" + "A" * 300,
    "group_by=nothing",
    "download=../../etc/passwd",
    "after=2026-02-30.1",
    "before=2026-01-01.abc",
    "after=2026-01-01.1&before=2026-01-01.1",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("page", PAGES)
def test_odd_query_strings_get_an_answer_not_an_error(client, world, page, query):
    signed_in(client, world.national)

    response = client.get(page.format(innovation=world.innovation.pk) + "?" + query)

    assert response.status_code < 500


def test_bad_filters_with_a_download_are_refused(client, world):
    signed_in(client, world.national)

    response = client.get("/dashboard/?severity=-1&download=matrix")

    assert response.status_code == 400
    assert b"severity" in response.content


@pytest.mark.parametrize(
    "url", ["/dashboard/innovations/999999/", "/dashboard/organisations/NOPE1/", "/barriers/0/"]
)
def test_missing_things_are_404(client, world, url):
    assert signed_in(client, world.national).get(url).status_code == 404


@pytest.mark.parametrize(
    "overrides",
    [
        {"description": "nul \x00 byte"},
        {"organisation": "\x00"},
        {"partners": "RBB,\x00"},
        {"cost_borne_gbp": "NaN"},
        {"cost_borne_gbp": "Infinity"},
        {"identified_on": "0000-00-00"},
        {"severity": "\x00"},
    ],
)
def test_odd_form_input_is_refused_not_an_error(client, world, overrides):
    from adoption.barriers.models import Barrier
    from tests.factories import category

    data = {
        "organisation": "RAA",
        "innovation": world.innovation.pk,
        "category": category("procurement").pk,
        "severity": "2",
        "description": "A barrier",
        "identified_on": "2026-01-01",
        "status": "open",
    } | overrides
    before = Barrier.objects.count()

    response = signed_in(client, world.lead_a).post("/barriers/new/", data)

    assert response.status_code == 400
    assert Barrier.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/organisations/%00/",
        "/api/v1/dashboards/organisations/%00/",
        "/api/v1/organisations/%00/",
        "/barriers/?organisation=%00",
        "/api/v1/barriers/?organisation=RA%00A",
        "/dashboard/?region=Y56%00",
    ],
)
def test_a_nul_in_the_address_is_refused(client, world, url):
    response = signed_in(client, world.national).get(url)

    assert response.status_code == 400
