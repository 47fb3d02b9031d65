"""Innovations and pathways in and out of spreadsheets, through the admin."""

import pytest
import tablib

from adoption.registry.models import Innovation, Pathway
from adoption.registry.resources import InnovationResource, PathwayResource

pytestmark = pytest.mark.django_db

PATHWAYS = [
    ("Stroke", "Across services", "Recognition (ambulance_trust); Hyperacute care (acute_trust)"),
    ("Frailty", "", "Identification (gp_practice)"),
]


def pathways_sheet(rows=PATHWAYS):
    return tablib.Dataset(*rows, headers=["name", "description", "steps"])


def innovations_sheet(*rows):
    headers = [
        "name",
        "category",
        "description",
        "evidence_reference",
        "national_programme",
        "adopter_types",
        "pathways",
    ]
    return tablib.Dataset(*rows, headers=headers)


def innovation(**overrides):
    row = {
        "name": "Video triage",
        "category": "digital",
        "description": "Paramedics call a stroke consultant by video.",
        "evidence_reference": "",
        "national_programme": "",
        "adopter_types": "ambulance_trust;acute_trust",
        "pathways": "Stroke",
    } | overrides
    return list(row.values())


def test_pathways_import_with_ordered_steps_and_export_round_trips():
    result = PathwayResource().import_data(pathways_sheet(), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    stroke = Pathway.objects.get(name="Stroke")
    assert [(s.position, s.name, s.org_type) for s in stroke.steps.all()] == [
        (1, "Recognition", "ambulance_trust"),
        (2, "Hyperacute care", "acute_trust"),
    ]
    exported = PathwayResource().export(queryset=Pathway.objects.order_by("name"))
    assert sorted(tuple(r) for r in exported) == sorted(PATHWAYS)


def test_reimporting_pathways_replaces_their_steps():
    PathwayResource().import_data(pathways_sheet(), dry_run=False)

    PathwayResource().import_data(
        pathways_sheet([("Stroke", "", "Rehabilitation (community_trust)")]), dry_run=False
    )

    assert list(Pathway.objects.get(name="Stroke").steps.values_list("name", flat=True)) == [
        "Rehabilitation"
    ]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("Recognition", "is not a step"),
        ("Recognition (spaceport)", "is not an organisation type"),
        ("", "at least one step"),
    ],
)
def test_bad_steps_are_refused_and_nothing_saved(steps, message):
    result = PathwayResource().import_data(pathways_sheet([("Stroke", "", steps)]), dry_run=False)

    assert result.has_validation_errors()
    errors = str(result.invalid_rows[0].error_dict)
    assert message in errors
    assert not Pathway.objects.exists()


def test_innovations_import_with_pathways_and_adopter_types():
    PathwayResource().import_data(pathways_sheet(), dry_run=False)

    result = InnovationResource().import_data(innovations_sheet(innovation()), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    imported = Innovation.objects.get(name="Video triage")
    assert imported.adopter_types == ["ambulance_trust", "acute_trust"]
    assert [p.name for p in imported.pathways.all()] == ["Stroke"]

    again = InnovationResource().import_data(innovations_sheet(innovation()), dry_run=True)
    assert [row.import_type for row in again.rows] == ["skip"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"adopter_types": "acute_trust;spaceport"},
            "adopter_types",
            "Unknown organisation type spaceport",
        ),
        ({"pathways": "Stroke;Nowhere"}, "pathways", "No pathway is called Nowhere"),
        ({"category": "magic"}, "category", "not a valid choice"),
        ({"name": ""}, "name", "cannot be blank"),
    ],
)
def test_bad_innovation_rows_are_refused_by_field(overrides, field, message):
    PathwayResource().import_data(pathways_sheet(), dry_run=False)

    result = InnovationResource().import_data(
        innovations_sheet(innovation(name="Good one"), innovation(**overrides)), dry_run=False
    )

    # Field errors come back as validation errors, relations as row errors; either way the
    # message names the problem, the row is the second, and nothing is saved.
    found = [(r.number, str(r.error_dict.get(field, r.error_dict))) for r in result.invalid_rows]
    found += [(n, str(e.error)) for n, errors in result.row_errors() for e in errors]
    assert any(number == 2 and message in text for number, text in found), found
    assert not Innovation.objects.exists()


def test_admin_offers_import_and_export(admin_client):
    for model in ("innovation", "pathway"):
        changelist = admin_client.get(f"/admin/registry/{model}/")
        importing = admin_client.get(f"/admin/registry/{model}/import/")
        exporting = admin_client.get(f"/admin/registry/{model}/export/")

        assert f"/admin/registry/{model}/import/" in changelist.content.decode()
        assert importing.status_code == exporting.status_code == 200
    assert b"pathwayresource_steps" in exporting.content
