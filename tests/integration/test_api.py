"""The read API at /api/v1/: sign-in or token, the access policy, filters with field-level
errors, cursor pages that visit every record once, and bounded queries."""

import base64
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from knox.models import AuthToken

from adoption.api.urls import router
from adoption.api.views import DASHBOARD_PARAMETERS, GROUP_BY_PARAMETER
from adoption.barriers.models import Barrier
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    EnablerActionFactory,
    InnovationFactory,
    OrganisationFactory,
    PathwayFactory,
)
from tests.integration.conftest import barriers_like_b, signed_in
from tests.integration.test_every_url import every_url

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
    _, key = AuthToken.objects.create(world.national)

    response = client.get("/api/v1/barriers/", HTTP_AUTHORIZATION=f"Token {key}")
    refused = client.get("/api/v1/barriers/", HTTP_AUTHORIZATION="Token not-a-key")

    assert response.status_code == 200
    assert len(response.json()["results"]) == Barrier.objects.count()
    assert refused.status_code == 401


@pytest.mark.parametrize("url", LISTS)
def test_anonymous_requests_are_refused(client, world, url):
    response = client.get(url)

    assert response.status_code == 401
    assert "results" not in response.json()


def test_confidential_barriers_only_for_their_organisation_and_national_team(client, world):
    action = EnablerActionFactory(barrier=world.confidential_a)
    secret = world.confidential_a.public_id
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
    assert action.public_id in seen["lead_a"][2]
    assert action.public_id not in seen["lead_b"][2]
    assert world.barrier_a.public_id in seen["lead_b"][0]  # peers' open barriers stay visible


def test_barrier_names_related_records_by_their_codes(client, world):
    world.barrier_a.partners.add(world.pcn)
    signed_in(client, world.national)

    body = client.get(f"/api/v1/barriers/{world.barrier_a.public_id}/").json()

    assert body["organisation"] == "RAA"
    assert body["category"] == "silo-working"
    assert body["partners"] == ["U12345"]
    assert body["innovation"] == "virtual-wards" == world.innovation.slug
    assert body["pathway"] is None
    assert body["version"] == world.barrier_a.version


def test_records_are_shaped_for_a_data_frame(client, world):
    """Money and counts are JSON numbers, dates ISO strings, related records slugs or codes:
    no numeric id of an internal row anywhere."""
    pathway = PathwayFactory(name="Stroke care")
    world.innovation.pathways.add(pathway)
    Barrier.objects.filter(pk=world.barrier_a.pk).update(
        pathway=pathway, savings_organisation=world.pcn, cost_borne_gbp="1250.50"
    )
    action = EnablerActionFactory(barrier=world.barrier_a)
    signed_in(client, world.national)

    barrier = client.get(f"/api/v1/barriers/{world.barrier_a.public_id}/").json()
    innovation = client.get(f"/api/v1/innovations/{world.innovation.slug}/").json()
    pathway_body = client.get("/api/v1/pathways/stroke-care/").json()
    adoption = client.get("/api/v1/adoptions/?organisation=RAA").json()["results"][0]
    action_body = client.get(f"/api/v1/enabler-actions/{action.public_id}/").json()

    assert barrier["cost_borne_gbp"] == 1250.5 and barrier["savings_elsewhere_gbp"] is None
    assert barrier["pathway"] == "stroke-care" and barrier["savings_organisation"] == "U12345"
    assert barrier["identified_on"] == world.barrier_a.identified_on.isoformat()
    assert isinstance(barrier["severity"], int)
    assert innovation["slug"] == "virtual-wards" and innovation["pathways"] == ["stroke-care"]
    assert pathway_body["slug"] == "stroke-care" and pathway_body["name"] == "Stroke care"
    assert (adoption["innovation"], adoption["organisation"]) == ("virtual-wards", "RAA")
    assert action_body["barrier"] == world.barrier_a.public_id
    assert (action_body["innovation"], action_body["organisation"]) == ("virtual-wards", "RAA")
    for record in (barrier, innovation, pathway_body, adoption, action_body):
        assert not isinstance(record.get("id"), int), record


@pytest.mark.parametrize("by", ["slug", "pk"])
def test_innovations_are_chosen_by_slug_or_by_their_old_id(client, world, by):
    signed_in(client, world.national)
    named = getattr(world.innovation, by)

    listed = client.get(f"/api/v1/barriers/?innovation={named}&organisation=RAA")
    dashboard = client.get(f"/api/v1/dashboards/innovations/{named}/")

    assert ids(listed) == {world.barrier_a.public_id, world.confidential_a.public_id}
    assert dashboard.status_code == 200
    assert client.get("/api/v1/dashboards/innovations/no-such-thing/").status_code == 404


def test_organisations_are_found_by_ods_code_in_any_case(client, world):
    signed_in(client, world.lead_a)

    body = client.get("/api/v1/organisations/raa/").json()

    assert body["name"] == "Trust A"
    assert body["region"] == "Y56"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/v1/barriers/?organisation=rbb", lambda w: {w.barrier_b.public_id}),
        ("/api/v1/adoptions/?organisation=RAA", lambda w: {"RAA"}),
        ("/api/v1/adoptions/?stage=exploring", lambda w: {"RAA"}),
        (
            "/api/v1/barriers/?region=Y56&status=open",
            lambda w: {w.barrier_a.public_id, w.barrier_b.public_id, w.confidential_a.public_id},
        ),
    ],
)
def test_filters_narrow_the_list(client, world, url, expected):
    signed_in(client, world.national)
    key = "organisation" if "adoptions" in url else "id"

    assert ids(client.get(url), key) == expected(world)


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
    barriers_like_b(world, 1_001)
    signed_in(client, world.national)

    largest = client.get("/api/v1/barriers/?page_size=1000").json()
    default = client.get("/api/v1/barriers/").json()

    assert len(largest["results"]) == 1_000 and largest["next"]
    assert len(default["results"]) == 100
    for size in ("99999", "0", "-3", "", "false", "1.5", "²"):
        refused = client.get("/api/v1/barriers/", {"page_size": size})
        assert refused.status_code == 400, size
        assert list(refused.json()) == ["page_size"]
    assert client.get("/api/v1/barriers/?cursor=garbage").status_code == 400


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
            f"/api/v1/barriers/{world.barrier_a.public_id}/", {}, content_type="application/json"
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
    before = ids(client.get(f"/api/v1/enabler-actions/?innovation={world.innovation.slug}"))

    services.update_barrier(
        by=world.admin,
        barrier=world.barrier_a,
        fields={"innovation": other, "organisation": world.trust_b},
        expected_version=world.barrier_a.version,
    )
    moved = ids(client.get(f"/api/v1/enabler-actions/?innovation={other.pk}&organisation=RBB"))
    left = ids(client.get(f"/api/v1/enabler-actions/?innovation={world.innovation.slug}"))

    assert action.public_id in before
    assert moved == {action.public_id}
    assert action.public_id not in left


# --- hostile input: every answer is a 4xx, never a server error ---------------------------

LIST_VIEWS = {reverse(f"{basename}-list"): viewset for _, viewset, basename in router.registry}
TAMPERED_CURSORS = [
    *["p=ab c", "p=", "p=%00", "p=1e5", "p=99999999999999999999999", "o=x", "r=x"],
    *["p=abc&p=abc", "p=2026-01-01&p=%00", "p=2026-02-30&p=0123456789abcdef", "p=1&r=1&r=0"],
]
# Innovations and pathways are listed in slug order, and these are positions a slug can hold.
SLUG_POSITIONS = {"p=1e5", "p=99999999999999999999999"}
SLUG_ORDERED = {reverse("innovation-list"), reverse("pathway-list")}


def cursor(querystring):
    return base64.b64encode(querystring.encode()).decode()


@pytest.mark.parametrize(
    ("url", "tampered"),
    [
        (url, tampered)
        for url in LIST_VIEWS
        for tampered in TAMPERED_CURSORS + ["not base64!", "%00", "w6k="]
        if not (url in SLUG_ORDERED and tampered in SLUG_POSITIONS)
    ],
)
def test_tampered_cursors_get_a_400_naming_the_cursor(client, world, url, tampered):
    signed_in(client, world.national)
    value = cursor(tampered) if tampered in TAMPERED_CURSORS else tampered

    response = client.get(url, {"cursor": value})

    assert response.status_code == 400, tampered
    assert list(response.json()) == ["cursor"]
    assert isinstance(response.json()["cursor"][0], str)


@pytest.mark.parametrize("url", LIST_VIEWS)
def test_a_cursor_from_the_api_still_pages_after_validation(client, world, url):
    grow(world, 2)
    signed_in(client, world.national)

    first = client.get(url, {"page_size": 1}).json()
    second = client.get(first["next"])

    assert second.status_code == 200
    assert second.json()["results"] and second.json()["results"] != first["results"]


def test_cursor_pages_visit_every_row_once_however_many_share_a_day(client, world):
    barriers_like_b(world, 2_050)
    signed_in(client, world.national)

    forward, pages, url = [], 0, "/api/v1/barriers/?page_size=1000"
    while url and pages < 5:  # a cursor stuck on one day would repeat its page for ever
        body = client.get(url).json()
        forward += [item["id"] for item in body["results"]]
        url, back, pages = body["next"], body["previous"], pages + 1
    backward = []
    while back and len(backward) < len(forward):
        body = client.get(back).json()
        backward = [item["id"] for item in body["results"]] + backward
        back = body["previous"]

    assert pages == 3
    assert len(forward) == len(set(forward)) == Barrier.objects.count()
    assert backward == forward[: len(backward)] and len(backward) == 2_000


def nul_queries():
    for url, viewset in LIST_VIEWS.items():
        filterset = getattr(viewset, "filterset_class", None)
        names = ["cursor", *(filterset.base_filters if filterset else ())]
        yield from (f"{url}?{name}=%00" for name in names)
    dashboard_names = {GROUP_BY_PARAMETER.name, *(p.name for p in DASHBOARD_PARAMETERS)}
    for url in ("/api/v1/dashboards/spread/", "/api/v1/dashboards/barriers/"):
        yield from (f"{url}?{name}=%00" for name in sorted(dashboard_names))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/dashboards/organisations/%00/",
        "/api/v1/dashboards/organisations/RA%00/",
        "/api/v1/organisations/%00/",
        "/api/v1/barriers/%00/",
        *nul_queries(),
    ],
)
def test_nul_in_a_path_or_query_value_is_refused_not_an_error(client, world, settings, url):
    # The API holds without the site-wide middleware that refuses NUL bytes up front.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith(".RejectNulMiddleware")
    ]
    signed_in(client, world.national)

    response = client.get(url)

    assert response.status_code in (400, 404), url


def every_api_url(world):
    return [url for url in every_url(world) if url.startswith("/api/")]


def test_options_answers_on_every_api_url_with_a_token(client, world):
    _, key = AuthToken.objects.create(world.lead_a)

    for url in every_api_url(world):
        response = client.options(url, HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code < 500, url


def test_options_on_the_docs_page_lists_the_allowed_methods(client, world):
    _, key = AuthToken.objects.create(world.lead_a)

    response = client.options("/api/docs/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    "header",
    [
        "Token \x00abc",
        "Token " + "\x00" * 64,
        "Token é",
        "Token " + "g" * 64,
        "Token a b",
        "Token",
    ],
)
def test_malformed_tokens_are_refused_not_an_error(client, world, header):
    response = client.get("/api/v1/barriers/", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


# --- dashboards: their tables, keyed by domain words and described by the schema -------------

DASHBOARD_URLS = [
    "/api/v1/dashboards/spread/",
    "/api/v1/dashboards/spread/?group_by=icb",
    "/api/v1/dashboards/barriers/",
    "/api/v1/dashboards/barriers/?group_by=org_type",
    "/api/v1/dashboards/savings/",
    "/api/v1/dashboards/what-worked/",
    "/api/v1/dashboards/innovations/{innovation}/",
    "/api/v1/dashboards/innovations/{innovation}/?group_by=org_type",
    "/api/v1/dashboards/organisations/RAA/",
]


@pytest.fixture
def dashboards(client, world, dashboard_rows):
    """Every table of every dashboard, as the API serves them to the national team:
    {url: tables}, with an action and savings so that the tables have rows."""
    signed_in(client, world.national)
    served = {}
    for url in DASHBOARD_URLS:
        response = client.get(url.format(innovation=world.innovation.slug))
        assert response.status_code == 200, url
        served[url] = response.json()["tables"]
    return served


def test_dashboard_columns_are_keyed_by_domain_words(dashboards):
    for url, tables in dashboards.items():
        for table in tables:
            for column in table["columns"]:
                assert "__" not in column["key"], (url, table["name"], column["key"])
                assert column["key"].islower() or column["key"].isupper(), column


def test_a_thing_has_the_same_key_in_every_dashboard_table_that_shows_it(dashboards):
    keys = defaultdict(set)  # label -> keys
    for tables in dashboards.values():
        for table in tables:
            for column in table["columns"]:
                keys[column["label"]].add(column["key"])

    assert keys["Barrier category"] == {"category"}
    assert keys["Innovation"] == {"innovation"}
    assert keys["Enabler"] == {"enabler"}
    assert keys["Quarter"] == {"quarter"}
    assert keys["Region"] == {"region"} and keys["ICB"] == {"icb"}
    assert keys["Organisation type"] == {"org_type"}
    assert {label: found for label, found in keys.items() if len(found) > 1} == {}


def test_dashboard_schema_describes_each_table_and_its_columns(client, world, dashboards):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    def resolved(node):
        return components[node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else node

    for url, tables in dashboards.items():
        path = url.split("?")[0].replace("{innovation}", "{slug}").replace("RAA", "{ods_code}")
        response = schema["paths"][path]["get"]["responses"]["200"]
        page = resolved(response["content"]["application/json"]["schema"])
        described = resolved(page["properties"]["tables"]["items"])["discriminator"]["mapping"]
        assert [table["name"] for table in tables] == list(described), url
        for table in tables:
            row = resolved(resolved({"$ref": described[table["name"]]})["properties"]["rows"])
            row = resolved(row["items"])
            for column in table["columns"]:
                if column["key"] in row["properties"]:
                    assert row["properties"][column["key"]]["title"] == column["label"], column
                else:  # one column per group compared
                    assert "additionalProperties" in row, (url, table["name"], column)


def test_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
