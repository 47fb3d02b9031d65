"""Dashboard figures against counts computed here from the rows the test made."""

import csv
import datetime
import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from scipy.stats import binomtest

from adoption.accounts.models import Role
from adoption.barriers.models import Adoption, BarrierStatus, Stage
from adoption.registry.models import InnovationCategory, OrganisationType, Pathway
from tests.factories import (
    AdoptionFactory,
    BarrierFactory,
    EnablerActionFactory,
    IcbFactory,
    InnovationFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    StageChangeFactory,
    UserFactory,
    category,
    enabler,
)
from tests.html_tables import table
from tests.unit.dashboards.test_estimates import lifelines_median

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LONG_AGO = TODAY - datetime.timedelta(days=400)
RECENT = TODAY - datetime.timedelta(days=20)


def adopt(innovation, organisation, stage, changed_on, route="local"):
    adoption = AdoptionFactory(
        innovation=innovation,
        organisation=organisation,
        stage=stage,
        stage_changed_on=changed_on,
        route=route,
    )
    StageChangeFactory(
        adoption=adoption, from_stage="", to_stage=Stage.NOT_STARTED, changed_on=changed_on
    )
    return adoption


class Data:
    pass


@pytest.fixture
def data(db):
    d = Data()
    d.north = RegionFactory(ods_code="Y62", name="North West")
    d.south = RegionFactory(ods_code="Y58", name="South West")
    d.icb = IcbFactory(ods_code="QOP", region=d.north)
    d.pathway = Pathway.objects.create(name="Stroke")
    d.digital = InnovationFactory(name="Video triage", category=InnovationCategory.DIGITAL)
    d.digital.pathways.set([d.pathway])
    d.medtech = InnovationFactory(name="Closed loop", category=InnovationCategory.MEDTECH)
    d.orgs = {
        "n1": OrganisationFactory(ods_code="RN1", region=d.north, icb=d.icb),
        "n2": OrganisationFactory(ods_code="RN2", region=d.north, icb=d.icb),
        "n3": OrganisationFactory(
            ods_code="RN3", region=d.north, org_type=OrganisationType.COMMUNITY_TRUST
        ),
        "s1": OrganisationFactory(ods_code="RS1", region=d.south),
        "s2": OrganisationFactory(ods_code="RS2", region=d.south),
    }
    # (innovation, organisation, stage, stage changed on)
    d.adoption_rows = [
        (d.digital, "n1", Stage.EMBEDDED, LONG_AGO),
        (d.digital, "n2", Stage.PILOTING, LONG_AGO),  # stalled
        (d.digital, "n3", Stage.EXPLORING, RECENT),
        (d.digital, "s1", Stage.IMPLEMENTING, RECENT),
        (d.digital, "s2", Stage.DECLINED, LONG_AGO),
        (d.medtech, "n1", Stage.BUSINESS_CASE, LONG_AGO),  # stalled
        (d.medtech, "s1", Stage.EMBEDDED, RECENT),
    ]
    for innovation, org, stage, on in d.adoption_rows:
        adopt(innovation, d.orgs[org], stage, on)
    # (innovation, organisation, category, severity, status, identified, confidential)
    d.barrier_rows = [
        (d.digital, "n1", "savings-land-elsewhere", 4, "open", RECENT, False),
        (d.digital, "n2", "savings-land-elsewhere", 3, "open", RECENT, True),
        (d.digital, "n2", "procurement", 2, "resolved", LONG_AGO, False),
        (d.digital, "s1", "procurement", 1, "open", LONG_AGO, False),
        (d.medtech, "n1", "workforce-capacity", 3, "being_addressed", RECENT, False),
        (d.medtech, "s1", "savings-land-elsewhere", 2, "resolved", LONG_AGO, False),
    ]
    d.barriers = []
    for innovation, org, slug, severity, status, identified, confidential in d.barrier_rows:
        d.barriers.append(
            BarrierFactory(
                innovation=innovation,
                organisation=d.orgs[org],
                category=category(slug),
                severity=severity,
                status=status,
                identified_on=identified,
                resolved_on=identified + datetime.timedelta(days=30)
                if status == BarrierStatus.RESOLVED
                else None,
                is_confidential=confidential,
                savings_organisation=d.orgs["s2"] if slug == "savings-land-elsewhere" else None,
                cost_borne_gbp=1000 if slug == "savings-land-elsewhere" else None,
                savings_elsewhere_gbp=2500 if slug == "savings-land-elsewhere" else None,
            )
        )
    d.national = UserFactory(username="nat")
    MembershipFactory(
        user=d.national,
        organisation=OrganisationFactory(ods_code="X24", org_type=OrganisationType.NATIONAL_BODY),
        role=Role.NATIONAL_TEAM,
    )
    d.lead_south = UserFactory(username="lead_south")
    MembershipFactory(user=d.lead_south, organisation=d.orgs["s1"], role=Role.INNOVATION_LEAD)
    return d


def expected_adoptions(d, keep=lambda row: True):
    rows = [row for row in d.adoption_rows if keep(row)]
    adopters = sum(1 for _, _, stage, _ in rows if stage in ("implementing", "embedded"))
    stalled = sum(
        1
        for _, _, stage, on in rows
        if stage not in ("embedded", "declined", "abandoned") and (TODAY - on).days >= 180
    )
    organisations = len({org for _, org, _, _ in rows})
    return {
        "adoptions": len(rows),
        "adopters": adopters,
        "stalled": stalled,
        "organisations": organisations,
    }


def test_headline_figures_match_the_rows(client, data):
    client.force_login(data.national)

    figures = client.get("/dashboard/").context["figures"]

    expected = expected_adoptions(data)
    assert figures["adoptions"] == expected["adoptions"] == 7
    assert figures["organisations"] == expected["organisations"] == 5
    assert figures["adopters"] == expected["adopters"] == 3
    assert figures["stalled"] == expected["stalled"] == 2
    assert figures["open_barriers"] == 4


def test_funnel_counts_each_stage(client, data):
    client.force_login(data.national)

    page = client.get("/dashboard/").content.decode()
    rows = table(page, "Organisations at each stage")

    header, *body = rows
    video = dict(zip(header, next(r for r in body if r[0] == "Video triage"), strict=True))
    assert (video["Embedded"], video["Piloting"], video["Declined"], video["Not started"]) == (
        "1",
        "1",
        "1",
        "0",
    )


FILTERS = {
    "region=Y62": (lambda r, d: r[1].startswith("n"), lambda b, d: b[1].startswith("n")),
    "icb=QOP": (lambda r, d: r[1] in ("n1", "n2"), lambda b, d: b[1] in ("n1", "n2")),
    "org_type=community_trust": (lambda r, d: r[1] == "n3", lambda b, d: b[1] == "n3"),
    "organisation=rs1": (lambda r, d: r[1] == "s1", lambda b, d: b[1] == "s1"),
    "innovation_category=medtech": (
        lambda r, d: r[0] == d.medtech,
        lambda b, d: b[0] == d.medtech,
    ),
    "pathway=PATHWAY": (lambda r, d: r[0] == d.digital, lambda b, d: False),
    "stage=piloting": (lambda r, d: r[2] == "piloting", lambda b, d: True),
    "category=procurement": (lambda r, d: True, lambda b, d: b[2] == "procurement"),
    "severity=3": (lambda r, d: True, lambda b, d: b[3] == 3),
    "status=open": (lambda r, d: True, lambda b, d: b[4] == "open"),
    f"identified_after={(TODAY - datetime.timedelta(days=100)).isoformat()}": (
        lambda r, d: True,
        lambda b, d: b[5] >= TODAY - datetime.timedelta(days=100),
    ),
}


@pytest.mark.parametrize("query", FILTERS)
def test_each_filter_narrows_every_figure(client, data, query):
    keep_adoption, keep_barrier = FILTERS[query]
    query = query.replace("PATHWAY", str(data.pathway.pk))
    client.force_login(data.national)

    figures = client.get(f"/dashboard/?{query}").context["figures"]
    barriers_page = client.get(f"/dashboard/barriers/?{query}")

    expected = expected_adoptions(data, lambda row: keep_adoption(row, data))
    assert figures["adoptions"] == expected["adoptions"]
    assert figures["adopters"] == expected["adopters"]
    assert figures["stalled"] == expected["stalled"]
    kept = [b for b in data.barrier_rows if keep_barrier(b, data)]
    assert figures["barriers"] == len(kept)
    heat = barriers_page.context["tables"]["heatmap"]
    assert sum(v for row in heat.rows for k, v in row.items() if k != "category") == len(kept)


def test_confidential_barriers_never_counted_for_another_organisations_lead(client, data):
    client.force_login(data.lead_south)
    as_lead = client.get("/dashboard/").context["figures"]
    heat = client.get("/dashboard/barriers/").context["tables"]["heatmap"]
    savings = client.get("/dashboard/savings/").context["tables"]["by_type"]

    assert as_lead["barriers"] == 5  # one of the six is confidential to trust N2
    assert sum(v for row in heat.rows for k, v in row.items() if k != "category") == 5
    assert sum(row["barriers"] for row in savings.rows) == 2

    client.force_login(data.national)
    assert client.get("/dashboard/").context["figures"]["barriers"] == 6


def test_savings_pairs_add_up(client, data):
    client.force_login(data.national)

    pairs = client.get("/dashboard/savings/").context["tables"]["pairs"].rows

    assert sum(row["barriers"] for row in pairs) == 3
    assert sum(row["savings"] for row in pairs) == 7500
    assert {row["savings_organisation_code"] for row in pairs} == {"RS2"}


def test_what_worked_resolution_rate_and_median_days(client, data):
    fits, misfit = data.barriers[2], data.barriers[5]  # both resolved, identified LONG_AGO
    EnablerActionFactory(
        barrier=fits,
        enabler_type=enabler("risk-sharing"),
        started_on=LONG_AGO,
        completed_on=LONG_AGO + datetime.timedelta(days=30),
        outcome="resolved",
    )
    EnablerActionFactory(
        barrier=misfit,
        enabler_type=enabler("risk-sharing"),
        started_on=LONG_AGO,
        completed_on=LONG_AGO + datetime.timedelta(days=10),
        outcome="resolved",
    )
    EnablerActionFactory(
        barrier=data.barriers[0],
        enabler_type=enabler("risk-sharing"),
        started_on=RECENT,
        completed_on=RECENT,
        outcome="no_effect",
    )
    client.force_login(data.national)

    rows = client.get("/dashboard/what-worked/").context["tables"]["enablers"].rows

    risk = next(r for r in rows if r["enabler"] == "Risk-sharing agreement")
    assert (risk["actions"], risk["resolved"]) == (3, 2)
    assert risk["rate"] == pytest.approx(2 / 3)
    # The action that made no difference never resolves its barrier: of the three, one
    # resolved after 10 days (two in three left), one after 30 (one in three): the median.
    assert risk["median_days"] == 30


def test_days_to_resolve_median_per_category(client, data):
    client.force_login(data.national)

    rows = client.get("/dashboard/barriers/").context["tables"]["resolve"].rows

    # Procurement: one resolved after 30 days, one open for 400: half resolved by day 30.
    # Savings land elsewhere: two open for 20 days, then the third resolved after 30: all of
    # those still counted by then. Workforce capacity: one open, none resolved.
    assert [(r["category"], r["median_days"], r["resolved"], r["open"]) for r in rows] == [
        ("Procurement", 30, 1, 1),
        ("Savings land elsewhere", 30, 1, 2),
        ("Workforce capacity", None, 0, 1),
    ]


def barriers_lasting(category_slug, organisations, *, resolved, still_open, accepted=()):
    """Barriers of one category: resolved after each of `resolved` days, open for each of
    `still_open` days, accepted after each of `accepted` days; as (days, resolved) pairs, an
    accepted one as never resolved (watched for ever, as it were)."""
    durations = []
    for i, (days, status) in enumerate(
        [(d, "resolved") for d in resolved]
        + [(d, "open") for d in still_open]
        + [(d, "accepted") for d in accepted]
    ):
        closed = status != "open"
        # A closed barrier was identified some weeks before the days it took.
        identified = TODAY - datetime.timedelta(days=days + (7 * i % 50 if closed else 0))
        BarrierFactory(
            organisation=organisations[i % len(organisations)],
            category=category(category_slug),
            status=status,
            identified_on=identified,
            resolved_on=identified + datetime.timedelta(days=days) if closed else None,
        )
        durations.append((NEVER if status == "accepted" else days, status == "resolved"))
    return durations


NEVER = 10**6  # days: longer than anything watched


@pytest.mark.parametrize("viewer", ["national", "lead_south"])
def test_days_to_resolve_agree_with_lifelines_when_most_barriers_are_still_open(
    client, data, viewer
):
    # The national team reads the tallies; a lead's view counts the records it may see.
    rng = random.Random(10)
    organisations = list(data.orgs.values())
    durations = barriers_lasting(
        "silo-working",
        organisations,
        resolved=[rng.randint(0, 300) for _ in range(45)],
        still_open=[rng.randint(0, 250) for _ in range(105)],
        accepted=[rng.randint(0, 300) for _ in range(6)],
    )
    still_open = sum(1 for _, seen in durations if not seen) / len(durations)
    client.force_login(getattr(data, viewer))

    rows = client.get("/dashboard/barriers/").context["tables"]["resolve"].rows

    row = next(r for r in rows if r["category"] == "Silo working")
    expected = lifelines_median(*zip(*durations, strict=True))
    assert still_open >= 0.7
    assert expected[0] is not None
    assert (row["median_days"], row["median_low"], row["median_high"]) == expected
    assert (row["resolved"], row["open"], row["accepted"]) == (45, 105, 6)


def test_days_to_resolve_not_reached_while_fewer_than_half_are_resolved(client, data):
    barriers_lasting(
        "silo-working", list(data.orgs.values()), resolved=[5, 10, 15], still_open=[400] * 4
    )
    client.force_login(data.national)

    response = client.get("/dashboard/barriers/")

    rows = response.context["tables"]["resolve"].rows
    assert next(r for r in rows if r["category"] == "Silo working")["median_days"] is None
    not_reached = [r["median_days"] is None for r in rows]
    assert not_reached == sorted(not_reached)  # medians not reached come last
    shown = table(response.content.decode(), "Median days to resolve, by category")
    header, *body = shown
    silo = dict(zip(header, next(r for r in body if r[0] == "Silo working"), strict=True))
    assert silo["Median days to resolve"] == "Not reached"
    assert (silo["Resolved barriers"], silo["Still open"]) == ("3", "4")
    download = client.get("/dashboard/barriers/?download=resolve").content.decode()
    assert "Silo working,Not reached," in download


def test_what_worked_ranks_by_the_lower_end_of_the_rates_interval(client, data):
    def acted(slug, resolved, finished):
        for i in range(finished):
            barrier = BarrierFactory(
                organisation=data.orgs["n1"],
                category=category("procurement"),
                identified_on=LONG_AGO,
                status="resolved" if i < resolved else "open",
                resolved_on=LONG_AGO + datetime.timedelta(days=40) if i < resolved else None,
            )
            EnablerActionFactory(
                barrier=barrier,
                enabler_type=enabler(slug),
                started_on=LONG_AGO,
                completed_on=LONG_AGO + datetime.timedelta(days=40),
                outcome="resolved" if i < resolved else "no_effect",
            )

    acted("co-design", 2, 2)  # 100%, but from two actions
    acted("tariff-change", 12, 16)  # 75% of sixteen
    acted("pooled-budget", 1, 4)  # 25%
    client.force_login(data.national)

    response = client.get("/dashboard/what-worked/")

    rows = response.context["tables"]["enablers"].rows
    assert [r["enabler"] for r in rows] == [
        "Tariff or payment change",
        "Co-designed with local teams",
        "Pooled budget",
    ]
    lows = [r["rate_low"] for r in rows]
    assert lows == sorted(lows, reverse=True)
    expected = binomtest(12, 16).proportion_ci(method="wilson")
    shown = table(response.content.decode(), "Resolution rate and median days to resolution")
    header, *body = shown
    tariff = dict(zip(header, body[0], strict=True))
    assert (tariff["Completed actions"], tariff["Resolved the barrier"]) == ("16", "12")
    assert tariff["Resolution rate"] == "75%"
    assert tariff["Rate: 95% interval from"] == f"{expected.low * 100:.0f}%"
    assert tariff["Rate: 95% interval to"] == f"{expected.high * 100:.0f}%"


@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("/dashboard/barriers/", "ranking"),
        ("/dashboard/barriers/", "heatmap"),
        ("/dashboard/savings/", "pairs"),
        ("/dashboard/", "funnels"),
    ],
)
def test_csv_download_equals_the_table_on_the_page(client, data, page, name):
    client.force_login(data.national)
    html = client.get(page).content.decode()
    caption = client.get(page).context["tables"][name].caption

    download = client.get(f"{page}?download={name}")

    assert download["Content-Type"].startswith("text/csv")
    text = download.content.decode("utf-8")
    assert text.startswith("\ufeff")
    from_csv = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    on_page = table(html, caption)
    if name == "funnels":  # the page adds a drawn funnel column with no data of its own
        on_page = [row[:1] + row[2:] for row in on_page]

    def plain(cell):
        return cell.replace(",", "").replace("£", "").replace("%", "").replace("—", "")

    assert [[plain(c) for c in row] for row in on_page] == [
        [plain(c) for c in row] for row in from_csv
    ]


@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("/dashboard/barriers/", "ranking"),
        ("/dashboard/barriers/", "heatmap"),
        ("/dashboard/savings/", "by_type"),
        ("/dashboard/what-worked/", "enablers"),
        ("/dashboard/", "matrix"),
    ],
)
def test_api_dashboard_serves_the_same_table_as_the_download(client, data, page, name):
    resolved = data.barriers[2]
    EnablerActionFactory(
        barrier=resolved,
        started_on=resolved.identified_on,
        completed_on=resolved.resolved_on,
        outcome="resolved",
    )
    client.force_login(data.national)
    query = "?region=Y62"
    api_page = "/api/v1/dashboards/" + (page.removeprefix("/dashboard/") or "spread/")
    api = client.get(api_page + query)
    download = client.get(f"{page}{query}&download={name}").content.decode()

    table = next(t for t in api.json()["tables"] if t["name"] == name)
    header, *rows = csv.reader(io.StringIO(download.lstrip("\ufeff")))
    assert header == [column["label"] for column in table["columns"]]
    assert len(rows) == len(table["rows"]) > 0
    for csv_row, api_row in zip(rows, table["rows"], strict=True):
        for column, value in zip(table["columns"], csv_row, strict=True):
            got = api_row[column["key"]]
            if column["kind"] == "int":
                assert int(value) == got
            elif column["kind"] == "pct":
                assert value == ("" if got is None else f"{got * 100:.0f}")
            elif column["kind"] == "text":
                assert value == str(got)


def test_unknown_download_is_404(client, data):
    client.force_login(data.national)

    assert client.get("/dashboard/?download=nope").status_code == 404


def test_bad_filter_input_is_refused_with_a_field_message(client, data):
    client.force_login(data.national)

    response = client.get("/dashboard/barriers/?identified_after=yesterday&region=Y99")

    assert response.status_code == 400
    assert set(response.context["filters"].form.errors) == {"identified_after", "region"}


def grow(d, n):
    for i in range(n):
        org = OrganisationFactory(region=d.north if i % 2 else d.south)
        innovation = InnovationFactory()
        adopt(innovation, org, Stage.PILOTING, LONG_AGO)
        barrier = BarrierFactory(innovation=innovation, organisation=org)
        EnablerActionFactory(
            barrier=barrier,
            started_on=barrier.identified_on,
            completed_on=barrier.identified_on,
            outcome="resolved",
        )


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",
        "/dashboard/?group_by=icb",
        "/dashboard/barriers/",
        "/dashboard/savings/",
        "/dashboard/what-worked/",
        "INNOVATION",
        "/dashboard/organisations/RN1/",
        "/api/v1/dashboards/spread/",
        "/api/v1/dashboards/barriers/?group_by=org_type",
        "/api/v1/dashboards/savings/",
        "/api/v1/dashboards/what-worked/",
        "API_INNOVATION",
        "/api/v1/dashboards/organisations/RN1/",
    ],
)
def test_dashboard_queries_identical_with_ten_times_the_data(client, data, url):
    url = url.replace("API_INNOVATION", f"/api/v1/dashboards/innovations/{data.digital.pk}/")
    url = url.replace("INNOVATION", f"/dashboard/innovations/{data.digital.pk}/")
    client.force_login(data.national)
    grow(data, 3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200

    grow(data, 30)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200

    assert len(small) == len(large)
    # Session, user, memberships and filter choices; then per figure a data-version read, a
    # cache look-up, the counting query and the cache write (count, insert).
    assert len(large) <= 45


@pytest.mark.parametrize("scale", ["small", pytest.param("national", marks=pytest.mark.slow)])
def test_spread_page_flags_the_stalls_the_demo_planted(client, db, scale):
    from adoption.demo.demo_data import DemoBuilder

    as_of = datetime.date(2026, 11, 1)
    builder = DemoBuilder(scale=scale, seed=1, as_of=as_of, password="pw", progress=False)
    builder.build()
    from adoption.dashboards import aggregates, stall_rule, tallies

    cells = aggregates.spread_matrix(
        Adoption.objects.all(),
        changes=tallies.SPREAD.rows(),
        barriers=tallies.BY_INNOVATION.rows(),
        today=as_of,
    )
    flagged = {(c.innovation, c.group_code): c for c in cells if c.verdict.stalling}
    planted = builder.planted_stalls
    judged = {
        (c.innovation, c.group_code)
        for c in cells
        if (c.innovation, c.group_code) in planted
        and c.verdict.organisations >= stall_rule.MIN_ORGANISATIONS
    }
    ages = {builder.planted_groups[key].age for key in judged}

    # Every planted stall big enough to judge is found, the youngest (4 quarters) included,
    # and nearly everything found was planted; nothing under the minimum size is flagged.
    assert min(ages) == stall_rule.RECENT_QUARTERS
    assert judged <= set(flagged)
    assert len(set(flagged) & planted) >= 0.95 * len(flagged)
    assert all(c.verdict.organisations >= stall_rule.MIN_ORGANISATIONS for c in flagged.values())
    # The reason given is the innovation's characteristic barrier, planted there.
    explained = [flagged[key] for key in judged if flagged[key].why.categories]
    assert len(explained) >= 0.85 * len(judged)
