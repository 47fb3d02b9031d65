"""Finding an organisation from the header's search, and what its page names: its peers in
its ICB and region, and the open barriers the user may see."""

import datetime

import pytest
from django.urls import reverse

from adoption.barriers.models import BarrierStatus
from adoption.registry.models import OrganisationType
from adoption.registry.services import refresh_icb_rollups
from tests.factories import BarrierFactory, IcbFactory, OrganisationFactory
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

SEARCH = "/organisations/"


def page_of(organisation):
    return reverse("dashboard-organisation", args=[organisation.ods_code])


def barrier_link(barrier):
    return f'href="{reverse("barrier-detail", args=[barrier.public_id])}"'


def test_header_search_is_a_get_form_to_the_search_page(client, world):
    signed_in(client, world.lead_a)

    html = client.get("/").content.decode()

    assert f'action="{SEARCH}" method="get"' in html
    assert 'name="q" type="search"' in html


def test_search_by_name_lists_matches_with_links(client, world):
    signed_in(client, world.lead_a)

    response = client.get(SEARCH, {"q": "trust"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "3 organisations match" in html
    for trust in (world.trust_a, world.trust_b, world.trust_c):
        assert f'href="{page_of(trust)}"' in html
        assert trust.ods_code in html
    assert "London" in html
    assert "Acute trust" in html
    assert world.pcn.name not in html


def test_search_by_start_of_code_lists_matches(client, world):
    signed_in(client, world.lead_a)
    OrganisationFactory(ods_code="RAA01", name="Trust A Main Site", region=world.region)

    response = client.get(SEARCH, {"q": "ra"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 organisations match" in html
    assert 'href="/dashboard/organisations/RAA01/"' in html
    assert world.trust_b.name not in html


@pytest.mark.parametrize("text", ["RBB", "rbb", " rbb "])
def test_search_exact_code_goes_straight_to_the_page(client, world, text):
    signed_in(client, world.lead_a)

    response = client.get(SEARCH, {"q": text})

    assert response.status_code == 302
    assert response["Location"] == page_of(world.trust_b)


def test_search_nothing_found_says_so(client, world):
    signed_in(client, world.lead_a)

    response = client.get(SEARCH, {"q": "Nowhere General"})

    assert response.status_code == 200
    assert "No organisation matches “Nowhere General”" in response.content.decode()


def test_search_caps_the_list_and_counts_all(client, world):
    signed_in(client, world.lead_a)
    OrganisationFactory.create_batch(55, region=world.region)

    html = client.get(SEARCH, {"q": "Test Hospitals"}).content.decode()

    assert "55 organisations match" in html
    assert "the first 50 are shown" in html
    assert html.count('href="/dashboard/organisations/') == 50


def test_search_without_text_shows_only_the_form(client, world):
    signed_in(client, world.lead_a)

    response = client.get(SEARCH)

    assert response.status_code == 200
    assert "match" not in response.content.decode()


@pytest.mark.parametrize(
    "query", [{"q": "x" * 101}, {"q": "trust", "org_type": "castle"}, {"region": "NOPE"}]
)
def test_search_bad_input_is_a_400_naming_the_field(client, world, query):
    signed_in(client, world.lead_a)

    response = client.get(SEARCH, query)

    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_search_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(SEARCH, {"q": "trust"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_organisation_page_names_peers_in_icb_and_region(client, world):
    signed_in(client, world.lead_a)
    icb = IcbFactory(region=world.region, name="North Central London ICB")
    for trust in (world.trust_a, world.trust_b):
        trust.parent = icb
        trust.save()
    refresh_icb_rollups()
    closed = OrganisationFactory(name="Closed Trust", region=world.region, is_active=False)
    other_type = OrganisationFactory(
        name="A Mental Health Trust",
        region=world.region,
        org_type=OrganisationType.MENTAL_HEALTH_TRUST,
    )

    html = client.get(page_of(world.trust_a)).content.decode()

    icb_part, region_part = html.split("In North Central London ICB")[1].split("In London")
    assert f'href="{page_of(world.trust_b)}"' in icb_part
    assert page_of(world.trust_c) not in icb_part
    assert "1 other acute trust in this ICB" in icb_part
    assert "2 other acute trusts in this region" in region_part
    for peer in (world.trust_b, world.trust_c):
        assert f'href="{page_of(peer)}"' in region_part
    for not_peer in (world.trust_a, closed, other_type):
        assert f'href="{page_of(not_peer)}"' not in region_part


def test_organisation_page_without_icb_says_so(client, world):
    signed_in(client, world.lead_a)

    html = client.get(page_of(world.trust_a)).content.decode()

    assert "No ICB recorded" in html
    assert "In London" in html


def test_organisation_page_links_its_open_barriers(client, world):
    signed_in(client, world.lead_a)
    resolved = BarrierFactory(
        innovation=world.innovation,
        organisation=world.trust_a,
        status=BarrierStatus.RESOLVED,
        identified_on=datetime.date(2025, 1, 1),
        resolved_on=datetime.date(2025, 3, 2),
    )

    html = client.get(page_of(world.trust_a)).content.decode()

    assert barrier_link(world.barrier_a) in html
    assert barrier_link(world.confidential_a) in html
    assert barrier_link(resolved) not in html
    assert barrier_link(world.barrier_b) not in html


def test_organisation_page_never_links_another_organisations_confidential_barrier(client, world):
    signed_in(client, world.lead_b)

    html = client.get(page_of(world.trust_a)).content.decode()

    assert barrier_link(world.barrier_a) in html
    assert barrier_link(world.confidential_a) not in html
    assert "1 open barrier you can see" in html
