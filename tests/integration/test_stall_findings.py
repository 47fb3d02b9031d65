"""The Spread page's stall findings on constructed places: which groups are flagged, in what
order, why, and the group page with its XmR chart."""

import csv
import datetime
import io

import pytest

from adoption.barriers.models import Adoption, Stage
from adoption.dashboards import pages
from adoption.registry.models import OrganisationType
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    InnovationFactory,
    OrganisationFactory,
    RegionFactory,
    StageChangeFactory,
    UserFactory,
    category,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
QUARTER = datetime.timedelta(days=91)


def stalled_place(
    innovation,
    region,
    *,
    organisations,
    barrier,
    start,
    steps=(Stage.EXPLORING, Stage.BUSINESS_CASE),
):
    """`organisations` in `region`: one a quarter from `start` explores, and makes a business
    case the quarter after (about two advances a quarter), or takes the `steps` given a quarter
    apart; then nothing moves. Each logs a barrier of category `barrier`."""
    for i in range(organisations):
        org = OrganisationFactory(region=region)
        stage, changed = Stage.NOT_STARTED, start
        adoption = AdoptionFactory(
            innovation=innovation, organisation=org, stage=stage, stage_changed_on=start
        )
        StageChangeFactory(adoption=adoption, from_stage="", to_stage=stage, changed_on=start)
        for step, to in enumerate(steps):
            when = start + QUARTER * (i + step) + datetime.timedelta(days=30)
            StageChangeFactory(adoption=adoption, from_stage=stage, to_stage=to, changed_on=when)
            stage, changed = to, when
        Adoption.objects.filter(pk=adoption.pk).update(stage=stage, stage_changed_on=changed)
        BarrierFactory(innovation=innovation, organisation=org, category=category(barrier))


def spread_place(innovation, region, *, organisations, barrier, start):
    """`organisations` in `region` that explored after `start` and embedded it this month."""
    for i in range(organisations):
        org = OrganisationFactory(region=region)
        adoption = AdoptionFactory(
            innovation=innovation,
            organisation=org,
            stage=Stage.EMBEDDED,
            stage_changed_on=TODAY - datetime.timedelta(days=5),
        )
        StageChangeFactory(
            adoption=adoption, from_stage="", to_stage=Stage.NOT_STARTED, changed_on=start
        )
        StageChangeFactory(
            adoption=adoption,
            from_stage=Stage.NOT_STARTED,
            to_stage=Stage.EXPLORING,
            changed_on=start + QUARTER * (i % 12),
        )
        StageChangeFactory(
            adoption=adoption,
            from_stage=Stage.EXPLORING,
            to_stage=Stage.EMBEDDED,
            changed_on=TODAY - datetime.timedelta(days=5),
        )
        BarrierFactory(innovation=innovation, organisation=org, category=category(barrier))


class World:
    pass


@pytest.fixture
def world(db, client):
    """Home monitoring: stalled for two years in Region A (12 organisations, savings landing
    elsewhere), spread in Regions B and C (procurement), and the same stall in Region D's 4
    organisations: too few to judge."""
    w = World()
    w.a, w.b, w.c, w.d = (
        RegionFactory(ods_code=code, name=f"Region {name}")
        for code, name in (("Y61", "A"), ("Y63", "B"), ("Y62", "C"), ("Y59", "D"))
    )
    w.innovation = InnovationFactory(name="Home monitoring")
    start = TODAY - QUARTER * 21
    stalled_place(
        w.innovation, w.a, organisations=12, barrier="savings-land-elsewhere", start=start
    )
    stalled_place(
        w.innovation,
        w.d,
        organisations=4,
        barrier="savings-land-elsewhere",
        start=start,
        steps=(Stage.EXPLORING, Stage.BUSINESS_CASE, Stage.PILOTING, Stage.IMPLEMENTING),
    )
    for region in (w.b, w.c):
        spread_place(w.innovation, region, organisations=8, barrier="procurement", start=start)
    client.force_login(UserFactory(is_superuser=True))
    return w


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_constructed_stall_is_flagged_and_explained(client, world):
    response = client.get("/dashboard/")

    stalling = response.context["stalling"]
    assert [(c.innovation, c.group_label) for c in stalling] == [("Home monitoring", "Region A")]
    why = stalling[0].why
    assert [item.category for item in why.categories] == ["Savings land elsewhere"]
    # Compared with the regions where it spread; Region D shows the stall, so it is no baseline.
    assert (why.spread_groups, why.barriers, why.spread_barriers) == (2, 12, 16)
    page = response.content.decode()
    assert (
        "Compared with the 2 regions where it spread, nationally (16 barriers), over-represented "
        "here: “Savings land elsewhere”: 12 of 12 barriers here (100%) against 0 of 16"
    ) in page
    assert "0 advances in the last" in page


def test_the_why_does_not_change_with_a_place_filter(client, world):
    unfiltered = client.get("/dashboard/").context["stalling"][0].why
    filtered = client.get("/dashboard/?region=Y61").context["stalling"][0].why

    assert filtered == unfiltered
    assert client.get("/dashboard/?region=Y61").context["flags"] == 1


def test_a_group_too_small_to_judge_is_marked_not_flagged(client, world):
    response = client.get("/dashboard/")

    assert response.context["flags"] == 1
    assert response.context["too_small"] == 1
    assert "1 more group shows the pattern but has fewer than 5 organisations" in (
        response.content.decode()
    )
    matrix = {row["Region"]: row for row in download(client, "/dashboard/?download=matrix")}
    assert matrix["Region D"]["Stall verdict"] == "Too few organisations to judge"
    assert matrix["Region A"]["Stall verdict"] == "Stalling"
    assert matrix["Region B"]["Stall verdict"] == "Not stalling"


def test_flags_are_ranked_by_organisations_stalled_and_the_list_is_capped(
    client, world, monkeypatch
):
    other = RegionFactory(ods_code="Y60", name="Region E")
    stalled_place(
        world.innovation,
        other,
        organisations=7,
        barrier="procurement",
        start=TODAY - QUARTER * 21,
    )
    monkeypatch.setattr(pages, "FLAGS_SHOWN", 1)

    capped = client.get("/dashboard/?group_by=region")
    every = client.get("/dashboard/?group_by=region&flags=all")

    assert [c.group_label for c in capped.context["stalling"]] == ["Region A"]
    assert "Show all 2 flags" in capped.content.decode()
    assert [c.group_label for c in every.context["stalling"]] == ["Region A", "Region E"]
    rows = download(client, "/dashboard/?download=stalling")
    assert [(r["Rank"], r["Region"], r["Organisations"], r["Stalled"]) for r in rows] == [
        ("1", "Region A", "12", "12"),
        ("2", "Region E", "7", "7"),
    ]
    assert rows[0]["Barriers"] == "12" and rows[0]["Advances since"] == "0"


def test_the_group_page_draws_the_xmr_chart_with_its_baseline(client, world):
    url = f"/dashboard/spread/{world.innovation.pk}/region/Y61/"

    response = client.get(url)

    assert response.status_code == 200
    assert response.context["cell"].verdict.stalling
    rows = download(client, f"{url}?download=spc")
    baseline = [row["In the baseline"] for row in rows]
    assert baseline.count("Yes") == 12 and baseline[-1] == "No"
    assert rows[-1]["Advances"] == "0"
    assert rows[-1]["Special cause"] == "Concern: fewer advances"
    assert len(rows) == len(response.context["charts"]["spc"]["data"]["labels"])
    why = download(client, f"{url}?download=why")
    assert why[0]["Barrier category"] == "Savings land elsewhere"
    assert why[0]["Named as a reason"] == "Yes"
    page = response.content.decode()
    assert "Special cause variation of a concerning nature" in page


def test_the_group_page_says_why_a_group_is_not_flagged(client, world):
    spread = client.get(f"/dashboard/spread/{world.innovation.pk}/region/Y63/")
    small = client.get(f"/dashboard/spread/{world.innovation.pk}/region/Y59/")

    assert "0 of 8 organisations are stalled: fewer than half" in spread.content.decode()
    assert "too small to judge (at least 5 are needed)" in small.content.decode()


@pytest.mark.parametrize(
    "path", ["region/NOPE/", "nowhere/Y61/", "icb/Y61/", "org_type/not-a-type/"]
)
def test_an_unknown_group_is_not_found(client, world, path):
    assert client.get(f"/dashboard/spread/{world.innovation.pk}/{path}").status_code == 404


def test_a_flag_links_to_its_group_with_the_filters_that_are_not_places(client, world):
    response = client.get("/dashboard/?region=Y61&identified_after=2000-01-01")

    link = f"/dashboard/spread/{world.innovation.pk}/region/Y61/?identified_after=2000-01-01"
    assert link in response.content.decode()


def test_an_organisation_type_filter_narrows_both_sides_of_the_why(client, world):
    """Compared by region, the organisation type is no place: where it spread is counted for
    the same type of organisation as the group itself."""
    pcn = OrganisationFactory(region=world.b, org_type=OrganisationType.PCN)
    BarrierFactory(innovation=world.innovation, organisation=pcn, category=category("other"))

    every_type = client.get("/dashboard/").context["stalling"][0].why
    trusts = client.get("/dashboard/?org_type=acute_trust").context["stalling"][0].why

    assert (every_type.spread_barriers, trusts.spread_barriers) == (17, 16)
