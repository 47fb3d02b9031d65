"""CSV exports of the register and of adoptions: the filtered list, as a spreadsheet reads it."""

import csv
import io

import pytest

from tests.factories import BarrierFactory
from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db


def read(response):
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark so Excel reads UTF-8"
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_export_equals_the_filtered_register(client, world):
    signed_in(client, world.national)
    query = "?organisation=RAA&status=open"

    exported = read(client.get("/barriers/export.csv" + query))
    on_page = client.get("/barriers/" + query).context["page"].rows

    assert [row["Barrier"] for row in exported] == [b.public_id for b in on_page]
    assert {row["Organisation ODS code"] for row in exported} == {"RAA"}


def test_export_leaves_out_other_organisations_confidential_barriers(client, world):
    signed_in(client, world.lead_b)

    exported = read(client.get("/barriers/export.csv"))

    ids = {row["Barrier"] for row in exported}
    assert world.confidential_a.public_id not in ids
    assert {world.barrier_a.public_id, world.barrier_b.public_id} <= ids


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_cells_a_spreadsheet_would_run_are_neutralised(client, world, start):
    barrier = BarrierFactory(
        innovation=world.innovation,
        organisation=world.trust_b,
        description=f'{start}HYPERLINK("http://example.invalid","x")',
    )
    signed_in(client, world.national)

    exported = read(client.get("/barriers/export.csv"))

    row = next(r for r in exported if r["Barrier"] == barrier.public_id)
    assert row["Description"] == f"'{barrier.description}"


def test_dates_are_iso_and_money_plain(client, world):
    BarrierFactory(
        innovation=world.innovation,
        organisation=world.trust_b,
        cost_borne_gbp=125000,
        description="Money",
    )
    signed_in(client, world.national)

    row = next(r for r in read(client.get("/barriers/export.csv")) if r["Description"] == "Money")

    assert row["Identified"] == "2026-01-15"
    assert row["Annual cost borne (GBP)"] == "125000.00"
    assert row["Confidential"] == "no"


def test_adoption_export_follows_the_adoption_filters(client, world):
    signed_in(client, world.national)

    exported = read(client.get("/adoptions/export.csv?organisation=RAA"))

    assert [(r["Innovation"], r["Organisation ODS code"], r["Stage"]) for r in exported] == [
        ("Virtual wards", "RAA", "Exploring")
    ]


@pytest.mark.parametrize(
    "url", ["/barriers/export.csv?severity=12", "/adoptions/export.csv?stage=x"]
)
def test_bad_filters_refused(client, world, url):
    response = signed_in(client, world.national).get(url)

    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


@pytest.mark.parametrize("url", ["/barriers/export.csv", "/adoptions/export.csv"])
def test_exports_need_a_sign_in(client, world, url):
    response = client.get(url)

    assert response.status_code == 302


def test_export_names_status_severity_and_complexity_as_the_register_does(client, world):
    from adoption.barriers.models import Barrier

    Barrier.objects.filter(pk=world.barrier_a.pk).update(
        status="being_addressed", severity=4, complexity="complicated"
    )
    signed_in(client, world.national)

    exported = read(client.get("/barriers/export.csv?organisation=RAA&status=being_addressed"))
    page = client.get("/barriers/?organisation=RAA&status=being_addressed").content.decode()

    row = {k: exported[0][k] for k in ("Status", "Severity", "Complexity")}
    assert row == {
        "Status": "Being addressed",
        "Severity": "Critical",
        "Complexity": "Complicated",
    }
    assert "Being addressed" in page and "Critical" in page
