"""Importing organisations from NHS ODS files: all or nothing, every bad row named."""

import datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from adoption.barriers import services as barrier_services
from adoption.barriers.models import Adoption, Stage
from adoption.dashboards import rollups, tallies
from adoption.registry.models import Organisation, OrganisationType
from adoption.registry.services import load_nhs_england_icbs
from tests.factories import BarrierFactory, InnovationFactory
from tests.integration.test_rollups import fresh_rows, rollup_rows
from tests.integration.test_tallies import assert_tallies_true

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "ods-trusts-sample.csv"


@pytest.fixture
def icbs(db):
    return load_nhs_england_icbs()


def row(
    code="RZ9", name="TEST DEMO TRUST", region="Y62", parent="QOP", opened="20010401", closed=""
):
    cells = [code, name, region, parent, "1 ROAD", "", "", "TOWN", "", "AB1 2CD", opened, closed]
    cells += ["", "R", "", "", "", "", "", "", "0"] + [""] * 6
    return ",".join(f'"{c}"' for c in cells)


@pytest.fixture
def recounts():
    """How many times the tallies and the spread roll-up were rebuilt: (tallies, roll-up).
    The rebuilds still run."""
    with (
        mock.patch.object(tallies, "rebuild_tallies", wraps=tallies.rebuild_tallies) as tally,
        mock.patch.object(
            rollups, "rebuild_spread_rollup", wraps=rollups.rebuild_spread_rollup
        ) as rollup,
    ):
        yield lambda: (tally.call_count, rollup.call_count)


def write(tmp_path, *lines, raw=None):
    path = tmp_path / "ods.csv"
    path.write_bytes(raw if raw is not None else ("\r\n".join(lines) + "\r\n").encode())
    return path


def test_sample_file_imports(icbs, capsys):
    call_command("import_organisations", str(SAMPLE), verbosity=0)

    trusts = {o.ods_code: o for o in Organisation.objects.filter(ods_code__startswith="RZ")}
    assert sorted(trusts) == ["RZ1", "RZ2", "RZ3", "RZ4"]
    assert trusts["RZ1"].name == "NORTHFIELD DEMO HOSPITALS NHS TRUST"
    assert (trusts["RZ1"].region.ods_code, trusts["RZ1"].parent.ods_code) == ("Y62", "QOP")
    assert trusts["RZ1"].org_type == "acute_trust" and trusts["RZ1"].is_active
    # Closed: kept, inactive.
    assert trusts["RZ3"].closed_on.isoformat() == "2025-03-31" and not trusts["RZ3"].is_active
    # Under an ICB that closed in 2026: its records roll up to the successor.
    assert trusts["RZ3"].icb.ods_code == "S1Y5D"
    assert "4 to create, 0 to update, 0 unchanged, 1 closed" in capsys.readouterr().out


def test_reimport_is_idempotent(icbs, capsys):
    call_command("import_organisations", str(SAMPLE), verbosity=0)
    before = list(Organisation.objects.order_by("ods_code").values())
    capsys.readouterr()

    call_command("import_organisations", str(SAMPLE), verbosity=0)

    after = list(Organisation.objects.order_by("ods_code").values())
    assert [{k: v for k, v in o.items() if k != "updated_at"} for o in after] == [
        {k: v for k, v in o.items() if k != "updated_at"} for o in before
    ]
    assert "0 to create, 0 to update, 4 unchanged" in capsys.readouterr().out


def test_update_by_code_and_closure(icbs, tmp_path):
    call_command("import_organisations", str(write(tmp_path, row(name="OLD NAME"))), verbosity=0)

    call_command(
        "import_organisations",
        str(write(tmp_path, row(name="NEW NAME", closed="20260331"))),
        verbosity=0,
    )

    trust = Organisation.objects.get(ods_code="RZ9")
    assert (trust.name, trust.is_active) == ("NEW NAME", False)
    assert Organisation.objects.filter(ods_code="RZ9").count() == 1


def test_dry_run_changes_nothing(icbs, capsys):
    count = Organisation.objects.count()

    call_command("import_organisations", str(SAMPLE), "--dry-run", verbosity=0)

    assert Organisation.objects.count() == count
    assert "Dry run, nothing changed: 4 to create" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        (row(code="R-1"), "is not 3 to 6 letters and digits"),
        (row(code="TOOLONG1"), "is not 3 to 6 letters and digits"),
        (row(name=""), "the name is missing"),
        (row(parent="QZZ"), "the parent 'QZZ' is not a known organisation"),
        (row(region="Y99"), "'Y99' is not an NHS England region"),
        (row(opened="2001-04-01"), "is not a date in the form YYYYMMDD"),
        (row(closed="20261345"), "is not a date in the form YYYYMMDD"),
        (row(opened="20200101", closed="20190101"), "the close date is before the open date"),
        ('"RZ9","ONLY","Y62"', "expected 27 columns, found 3"),
        (row(code="RZ1"), "RZ1 already appears on line 1"),
        (row(code="ZZZZ"), "cannot tell what kind of organisation ZZZZ is"),
    ],
)
def test_a_bad_row_imports_nothing_and_is_named_by_line(icbs, tmp_path, capsys, bad_line, reason):
    path = write(tmp_path, row(code="RZ1"), row(code="RZ2"), bad_line, row(code="RZ4"))
    count = Organisation.objects.count()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_organisations", str(path), verbosity=0)

    assert Organisation.objects.count() == count
    errors = capsys.readouterr().err
    assert "line 3: " in errors and reason in errors


def test_bad_encoding_is_reported_by_line(icbs, tmp_path, capsys):
    good = (row(code="RZ1") + "\r\n").encode()
    bad = row(code="RZ2", name="CAF\xc9").encode("latin-1") + b"\r\n"
    path = write(tmp_path, raw=good + bad)

    with pytest.raises(CommandError):
        call_command("import_organisations", str(path), verbosity=0)

    assert "line 2: the line is not valid UTF-8 text (bad encoding)" in capsys.readouterr().err
    assert not Organisation.objects.filter(ods_code="RZ1").exists()


def test_every_bad_row_is_listed(icbs, tmp_path, capsys):
    path = write(tmp_path, row(code="R-1"), row(name=""), row(code="RZ5"), row(parent="QZZ"))

    with pytest.raises(CommandError, match="3 bad rows"):
        call_command("import_organisations", str(path), verbosity=0)

    errors = capsys.readouterr().err
    assert [line.split(":")[0] for line in errors.strip().splitlines()] == [
        "line 1",
        "line 2",
        "line 4",
    ]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_organisations", str(tmp_path / "nope.csv"))


def test_admin_upload_previews_then_imports_on_confirm(admin_client, icbs):
    with SAMPLE.open("rb") as upload:
        preview = admin_client.post(
            "/admin/registry/organisation/import/", {"file": upload, "org_type": ""}
        )

    assert preview.status_code == 200
    assert "checks out: 4 to create" in preview.content.decode()
    assert not Organisation.objects.filter(ods_code="RZ1").exists(), "nothing changes yet"

    confirmed = admin_client.post(
        "/admin/registry/organisation/import/",
        {"confirm": "1", "token": preview.context["token"]},
    )

    assert confirmed.status_code == 302
    assert Organisation.objects.filter(ods_code__startswith="RZ").count() == 4


def test_admin_upload_with_a_bad_row_lists_it_and_imports_nothing(admin_client, icbs, tmp_path):
    path = write(tmp_path, row(code="RZ1"), row(parent="QZZ"))

    with path.open("rb") as upload:
        response = admin_client.post("/admin/registry/organisation/import/", {"file": upload})

    assert response.status_code == 400
    assert "Line 2: the parent &#x27;QZZ&#x27; is not a known organisation" in (
        response.content.decode()
    )
    assert "token" not in response.context
    assert not Organisation.objects.filter(ods_code="RZ1").exists()


def test_admin_confirm_without_a_preview_is_refused(admin_client, icbs):
    response = admin_client.post(
        "/admin/registry/organisation/import/", {"confirm": "1", "token": "forged"}
    )

    assert response.status_code == 302
    assert not Organisation.objects.filter(ods_code__startswith="RZ").exists()


def test_admin_import_is_for_staff_only(client, icbs, django_user_model):
    user = django_user_model.objects.create_user("lead_only", password="pw-for-tests-123")
    client.force_login(user)

    response = client.get("/admin/registry/organisation/import/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_import_recounts_once_for_the_whole_file(icbs, tmp_path, recounts):
    call_command("import_organisations", str(SAMPLE), verbosity=0)
    moves = [row(code="RZ1", region="Y56", parent="QKK"), row(code="RZ2", parent="QOP")]
    new = [row(code=f"RZ{n}", parent="QHG", region="Y61") for n in range(5, 9)]
    before = recounts()

    call_command("import_organisations", str(write(tmp_path, *moves, *new)), verbosity=0)

    assert (recounts()[0] - before[0], recounts()[1] - before[1]) == (1, 1)
    assert Organisation.objects.get(ods_code="RZ1").icb.ods_code == "QKK"


def test_reimporting_an_unchanged_file_recounts_nothing(icbs, recounts):
    call_command("import_organisations", str(SAMPLE), verbosity=0)
    before = recounts()

    call_command("import_organisations", str(SAMPLE), verbosity=0)

    assert recounts() == before


def test_import_that_moves_organisations_keeps_every_figure_true(icbs, tmp_path):
    call_command("import_organisations", str(SAMPLE), verbosity=0)
    rz1, rz2 = Organisation.objects.filter(ods_code__in=["RZ1", "RZ2"]).order_by("ods_code")
    innovation = InnovationFactory()
    for trust in (rz1, rz2):
        BarrierFactory(innovation=innovation, organisation=trust)
        adoption = barrier_services.create_adoption(
            by=None,
            adoption=Adoption(
                innovation=innovation,
                organisation=trust,
                stage_changed_on=datetime.date(2025, 6, 1),
            ),
        )
        barrier_services.change_stage(
            by=None, adoption=adoption, stage=Stage.PILOTING, on=datetime.date(2026, 2, 1)
        )
    # RZ1 moves from North West (QOP) to London (QKK); RZ2 becomes a community trust.
    moved = write(tmp_path, row(code="RZ1", region="Y56", parent="QKK"), row(code="RZ2"))

    call_command("import_organisations", str(moved), "--type", "community_trust", verbosity=0)

    assert_tallies_true()
    assert rollup_rows() == fresh_rows()
    london = icbs["QKK"].region_id
    assert tallies.BARRIERS.model().objects.filter(region_id=london, barriers__gt=0).exists()
    assert Organisation.objects.get(ods_code="RZ2").org_type == OrganisationType.COMMUNITY_TRUST


def test_admin_upload_recounts_once(admin_client, icbs, tmp_path, recounts):
    rows = [row(code=f"RZ{n}", parent="QHG", region="Y61") for n in range(1, 7)]
    with write(tmp_path, *rows).open("rb") as upload:
        preview = admin_client.post("/admin/registry/organisation/import/", {"file": upload})
    before = recounts()

    admin_client.post(
        "/admin/registry/organisation/import/",
        {"confirm": "1", "token": preview.context["token"]},
    )

    assert (recounts()[0] - before[0], recounts()[1] - before[1]) == (1, 1)
    assert (
        Organisation.objects.filter(ods_code__startswith="RZ", icb__ods_code="S1Y5D").count() == 6
    )


def change_form(organisation, **changes):
    """The admin's change form for `organisation` as submitted, with `changes` made."""
    data = {
        "ods_code": organisation.ods_code,
        "name": organisation.name,
        "org_type": organisation.org_type,
        "is_active": "on" if organisation.is_active else "",
        "region": organisation.region_id or "",
        "parent": organisation.parent_id or "",
        "opened_on": organisation.opened_on or "",
        "closed_on": organisation.closed_on or "",
        "rolls_up_to": organisation.rolls_up_to_id or "",
        "successors": [o.pk for o in organisation.successors.all()],
    }
    return {key: value for key, value in (data | changes).items() if value != ""}


def test_admin_moving_an_organisation_recounts_once(admin_client, icbs, recounts):
    call_command("import_organisations", str(SAMPLE), verbosity=0)
    trust = Organisation.objects.get(ods_code="RZ1")
    BarrierFactory(organisation=trust)
    before = recounts()

    response = admin_client.post(
        f"/admin/registry/organisation/{trust.pk}/change/",
        change_form(trust, region=icbs["QKK"].region_id, parent=icbs["QKK"].pk),
    )

    assert response.status_code == 302
    assert (recounts()[0] - before[0], recounts()[1] - before[1]) == (1, 1)
    trust.refresh_from_db()
    assert trust.icb == icbs["QKK"]
    assert_tallies_true()


def test_admin_renaming_an_organisation_recounts_nothing(admin_client, icbs, recounts):
    call_command("import_organisations", str(SAMPLE), verbosity=0)
    trust = Organisation.objects.get(ods_code="RZ1")
    before = recounts()

    response = admin_client.post(
        f"/admin/registry/organisation/{trust.pk}/change/", change_form(trust, name="RENAMED")
    )

    assert response.status_code == 302
    assert recounts() == before
