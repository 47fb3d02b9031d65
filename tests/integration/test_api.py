"""The read API at /api/v1/: sign-in or token, the access policy, filters with field-level
errors, cursor pages that visit every record once, and bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from adoption.barriers.models import Barrier
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    EnablerActionFactory,
    InnovationFactory,
    OrganisationFactory,
)
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/organisations/",
    "/api/v1/innovations/",
    "/api/v1/pathways/",
    "/api/v1/adoptions/",
    "/api/v1/barriers/",
    "/api/v1/enabler-actions/",
]


def ids(response, key="id"):
    return {item[key] for item in response.json()["results"]}


def test_a_token_signs_a_script_in(client, world):
    token = Token.objects.create(user=world.national)

    response = client.get("/api/v1/barriers/", HTTP_AUTHORIZATION=f"Token {token.key}")
    refused = client.get("/api/v1/barriers/", HTTP_AUTHORIZATION="Token not-a-key")

    assert response.status_code == 200
    assert ids(response) == set(Barrier.objects.values_list("id", flat=True))
    assert refused.status_code == 401


@pytest.mark.parametrize("url", LISTS)
def test_anonymous_requests_are_refused(client, world, url):
    response = client.get(url)

    assert response.status_code == 401
    assert "results" not in response.json()


def test_confidential_barriers_only_for_their_organisation_and_national_team(client, world):
    action = EnablerActionFactory(barrier=world.confidential_a)
    secret = world.confidential_a.pk
    seen = {}
    for role in ["lead_a", "lead_b", "national"]:
        signed_in(client, world.users[role])
        seen[role] = (
            ids(client.get("/api/v1/barriers/")),
            client.get(f"/api/v1/barriers/{secret}/").status_code,
            ids(client.get("/api/v1/enabler-actions/")),
        )

    assert secret in seen["lead_a"][0] and seen["lead_a"][1] == 200
    assert secret in seen["national"][0] and seen["national"][1] == 200
    assert secret not in seen["lead_b"][0]
    assert seen["lead_b"][1] == 404
    assert action.pk in seen["lead_a"][2]
    assert action.pk not in seen["lead_b"][2]
    assert world.barrier_a.pk in seen["lead_b"][0]  # peers' open barriers stay visible


def test_barrier_names_related_records_by_their_codes(client, world):
    world.barrier_a.partners.add(world.pcn)
    signed_in(client, world.national)

    body = client.get(f"/api/v1/barriers/{world.barrier_a.pk}/").json()

    assert body["organisation"] == "RAA"
    assert body["category"] == "silo-working"
    assert body["partners"] == ["U12345"]
    assert body["innovation"] == world.innovation.pk
    assert body["version"] == world.barrier_a.version


def test_organisations_are_found_by_ods_code_in_any_case(client, world):
    signed_in(client, world.lead_a)

    body = client.get("/api/v1/organisations/raa/").json()

    assert body["name"] == "Trust A"
    assert body["region"] == "Y56"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/v1/barriers/?organisation=rbb", lambda w: {w.barrier_b.pk}),
        ("/api/v1/adoptions/?organisation=RAA", lambda w: {w.adoption_a.pk}),
        ("/api/v1/adoptions/?stage=exploring", lambda w: {w.adoption_a.pk}),
        (
            "/api/v1/barriers/?region=Y56&status=open",
            lambda w: {w.barrier_a.pk, w.barrier_b.pk, w.confidential_a.pk},
        ),
    ],
)
def test_filters_narrow_the_list(client, world, url, expected):
    signed_in(client, world.national)

    assert ids(client.get(url)) == expected(world)


def test_organisation_filters(client, world):
    closed = OrganisationFactory(ods_code="RZZ", is_active=False)
    signed_in(client, world.national)

    trusts = ids(client.get("/api/v1/organisations/?region=Y56&org_type=acute_trust"), "ods_code")
    by_name = ids(client.get("/api/v1/organisations/?q=trust b"), "ods_code")

    inactive = ids(client.get("/api/v1/organisations/?is_active=false"), "ods_code")

    assert trusts == {"RAA", "RBB", "RCC"}
    assert by_name == {"RBB"}
    assert inactive == {closed.ods_code}


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/api/v1/barriers/?severity=9&identified_after=soon", {"severity", "identified_after"}),
        ("/api/v1/barriers/?region=Y99&innovation=abc", {"region", "innovation"}),
        ("/api/v1/adoptions/?stage=flying", {"stage"}),
        ("/api/v1/organisations/?org_type=castle&is_active=perhaps", {"org_type", "is_active"}),
        ("/api/v1/innovations/?pathway=999999", {"pathway"}),
        ("/api/v1/enabler-actions/?outcome=maybe&barrier=-1", {"outcome", "barrier"}),
        ("/api/v1/dashboards/barriers/?group_by=planet", {"group_by"}),
        ("/api/v1/dashboards/spread/?identified_before=2026-13-01", {"identified_before"}),
    ],
)
def test_bad_filters_get_a_400_naming_each_field(client, world, url, fields):
    signed_in(client, world.national)

    response = client.get(url)

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert all(
        isinstance(message, str) for messages in response.json().values() for message in messages
    )


def test_page_sizes_are_capped_and_bad_paging_is_refused_cleanly(client, world):
    template = world.barrier_b
    Barrier.objects.bulk_create(
        Barrier(
            innovation=template.innovation,
            organisation=template.organisation,
            category=template.category,
            severity=template.severity,
            identified_on=template.identified_on,
            next_review_on=template.next_review_on,
            description="Another",
        )
        for _ in range(1_001)
    )
    signed_in(client, world.national)

    capped = client.get("/api/v1/barriers/?page_size=99999").json()
    negative = client.get("/api/v1/barriers/?page_size=-3").json()

    assert len(capped["results"]) == 1_000 and capped["next"]
    assert len(negative["results"]) == 100  # the default page
    assert client.get("/api/v1/barriers/?cursor=garbage").status_code == 404


def test_cursor_pages_visit_every_barrier_exactly_once(client, world):
    for _ in range(12):
        BarrierFactory(organisation=world.trust_c)
    signed_in(client, world.national)

    seen, url = [], "/api/v1/barriers/?page_size=5"
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]

    assert len(seen) == len(set(seen)) == Barrier.objects.count()
    assert seen == sorted(seen, reverse=True)  # newest first


def test_the_api_reads_only(client, world):
    signed_in(client, world.admin)

    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/v1/barriers/{world.barrier_a.pk}/", {}, content_type="application/json"
        )
        assert response.status_code == 405, method
    assert Barrier.objects.filter(pk=world.barrier_a.pk).exists()


def test_schema_and_docs_for_signed_in_users(client, world):
    signed_in(client, world.lead_a)

    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for url in LISTS + ["/api/v1/dashboards/spread/", "/api/v1/dashboards/what-worked/"]:
        assert url in paths, url
    barrier_parameters = {p["name"] for p in paths["/api/v1/barriers/"]["get"]["parameters"]}
    assert {"region", "category", "identified_after", "cursor"} <= barrier_parameters
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "<code>GET /api/v1/barriers/</code>" in page
    assert "<code>identified_after</code>" in page


def grow(world, n):
    """Add n innovations, each adopted with a barrier that has partners and an action."""
    for _ in range(n):
        innovation = InnovationFactory()
        AdoptionFactory(innovation=innovation, organisation=world.trust_a)
        barrier = BarrierFactory(
            innovation=innovation,
            organisation=world.trust_a,
            savings_organisation=world.trust_b,
        )
        barrier.partners.add(world.trust_b, OrganisationFactory())
        EnablerActionFactory(barrier=barrier)
        innovation.pathways.create(name=f"Pathway for {innovation.name}").steps.create(
            position=1, name="First step", org_type="acute_trust"
        )


@pytest.mark.parametrize(
    "url", LISTS + ["/api/v1/barriers/?region=Y56&status=open", "/api/v1/organisations/?q=trust"]
)
def test_list_queries_bounded_and_independent_of_data_size(client, world, url):
    signed_in(client, world.lead_a)
    grow(world, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200

    grow(world, 20)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200

    assert len(small) == len(large)
    # Session, user, memberships, filter choices, the page, and one query per prefetched
    # relation (partners, pathways, steps).
    assert len(large) <= 10


def test_actions_listed_by_innovation_follow_their_barrier(client, world):
    from adoption.barriers import services

    action = EnablerActionFactory(barrier=world.barrier_a)
    other = InnovationFactory()
    signed_in(client, world.national)
    before = ids(client.get(f"/api/v1/enabler-actions/?innovation={world.innovation.pk}"))

    services.update_barrier(
        by=world.admin,
        barrier=world.barrier_a,
        fields={"innovation": other, "organisation": world.trust_b},
        expected_version=world.barrier_a.version,
    )
    moved = ids(client.get(f"/api/v1/enabler-actions/?innovation={other.pk}&organisation=RBB"))
    left = ids(client.get(f"/api/v1/enabler-actions/?innovation={world.innovation.pk}"))

    assert action.pk in before
    assert moved == {action.pk}
    assert action.pk not in left
