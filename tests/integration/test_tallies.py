"""The tallies equal a fresh count whatever happens to barriers, actions and organisations, and
the dashboards read from them show what counting the records shows."""

import datetime

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adoption.barriers import services
from adoption.barriers.models import ActionOutcome, Barrier, BarrierStatus, EnablerAction
from adoption.dashboards import pages, tallies
from adoption.dashboards.filters import DashboardFilters
from adoption.registry.models import OrganisationType
from adoption.registry.services import save_organisation

pytestmark = pytest.mark.django_db


def stored(model_name):
    """A tally table's rows with something counted, as {key: counts}."""
    tally = next(t for t in tallies.TALLIES if t.model_name == model_name)
    columns = [*tally.keys, *tally.counts]
    width = len(tally.keys)
    return {
        tuple(row[:width]): tuple(row[width:])
        for row in tally.model().objects.values_list(*columns)
        if any(row[width:])
    }


def fresh(model_name):
    counted = {}
    for tally in tallies.TALLIES:
        if tally.model_name == model_name:
            counted |= tally.count()
    return counted


def assert_tallies_true():
    for model_name in dict.fromkeys(t.model_name for t in tallies.TALLIES):
        assert stored(model_name) == fresh(model_name), model_name


START = datetime.date(2023, 1, 2)
TODAY = datetime.date.today()

operation = st.one_of(
    st.tuples(
        st.just("log"),
        st.integers(0, 3),
        st.integers(0, 1),
        st.integers(0, 1),
        st.integers(1, 4),
        st.integers(0, 900),
    ),
    st.tuples(st.just("edit"), st.integers(0, 30), st.integers(0, 1), st.integers(1, 4)),
    st.tuples(st.just("move barrier"), st.integers(0, 30), st.integers(0, 3)),
    st.tuples(st.sampled_from(["resolve", "accept"]), st.integers(0, 30), st.integers(0, 200)),
    st.tuples(st.just("reopen"), st.integers(0, 30)),
    st.tuples(st.just("delete barrier"), st.integers(0, 30)),
    st.tuples(
        st.just("act"),
        st.integers(0, 30),
        st.integers(0, 1),
        st.sampled_from(ActionOutcome.values),
        st.integers(0, 200),
    ),
    st.tuples(st.just("delete action"), st.integers(0, 30)),
    st.tuples(st.just("move organisation"), st.integers(0, 3), st.integers(0, 1)),
)


def apply(op, places):
    barriers = list(Barrier.objects.order_by("id"))
    actions = list(EnablerAction.objects.order_by("id"))
    kind = op[0]
    if kind == "log":
        _, org, innovation, slug, severity, days = op
        services.record_barrier(
            by=None,
            fields={
                "innovation": places["innovations"][innovation],
                "organisation": places["orgs"][org],
                "category": places["categories"][slug],
                "severity": severity,
                "identified_on": min(START + datetime.timedelta(days=days), TODAY),
                "description": "A barrier",
            },
        )
    elif kind in ("edit", "move barrier", "resolve", "accept", "reopen", "delete barrier") and (
        barriers
    ):
        barrier = barriers[op[1] % len(barriers)]
        if kind == "edit":
            services.update_barrier(
                by=None,
                barrier=barrier,
                fields={"category": places["categories"][op[2]], "severity": op[3]},
                expected_version=barrier.version,
            )
        elif kind == "move barrier":
            services.update_barrier(
                by=None,
                barrier=barrier,
                fields={"organisation": places["orgs"][op[2]]},
                expected_version=barrier.version,
            )
        elif kind in ("resolve", "accept"):
            services.change_barrier_status(
                by=None,
                barrier=barrier,
                status=BarrierStatus.RESOLVED if kind == "resolve" else BarrierStatus.ACCEPTED,
                resolved_on=min(barrier.identified_on + datetime.timedelta(days=op[2]), TODAY),
                expected_version=barrier.version,
            )
        elif kind == "reopen":
            services.change_barrier_status(
                by=None, barrier=barrier, status=BarrierStatus.OPEN, expected_version=None
            )
        else:
            services.delete_barrier(by=None, barrier=barrier)
    elif kind == "act" and barriers:
        _, index, which, outcome, days = op
        barrier = barriers[index % len(barriers)]
        finished = outcome != ActionOutcome.IN_PROGRESS
        services.record_enabler_action(
            by=None,
            barrier=barrier,
            fields={
                "enabler_type": places["enablers"][which],
                "owner": "Finance director",
                "started_on": barrier.identified_on,
                "completed_on": min(barrier.identified_on + datetime.timedelta(days=days), TODAY)
                if finished
                else None,
                "outcome": outcome,
            },
        )
    elif kind == "delete action" and actions:
        services.delete_enabler_action(by=None, action=actions[op[1] % len(actions)])
    elif kind == "move organisation":
        _, org, region = op
        organisation = places["orgs"][org]
        organisation.region = places["regions"][region]
        organisation.parent = places["icbs"][region]
        save_organisation(by=None, organisation=organisation)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=14))
def test_tallies_equal_a_fresh_count_after_any_changes(places, operations):
    for op in operations:
        apply(op, places)
        assert_tallies_true()


def test_an_organisation_changing_type_alone_recounts_its_barriers(places):
    apply(("log", 0, 0, 0, 2, 10), places)
    organisation = places["orgs"][0]
    organisation.org_type = OrganisationType.COMMUNITY_TRUST
    save_organisation(by=None, organisation=organisation)

    assert_tallies_true()
    assert tallies.BARRIERS.model().objects.filter(org_type="community_trust").exists()


def test_rebuild_equals_fresh_count_on_the_demo():
    call_command("seed_demo", "--as-of", "2026-11-01", "--password", "pw", verbosity=0)
    assert_tallies_true()

    for tally in tallies.TALLIES:
        tally.model().objects.all().delete()
    call_command("refresh_rollups", verbosity=0)

    assert_tallies_true()
    assert stored("BarrierTally")


class CountingRecords(DashboardFilters):
    """The same filters, never reading a tally's table: every figure counts the records."""

    def used(self, tally):
        return None


QUERIES = [
    "",
    "region=Y62",
    "group_by=icb",
    "group_by=org_type&category=savings-land-elsewhere",
    "region=Y61&status=open",
    "innovation=INNOVATION",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("page", ["spread", "barriers", "what_worked"])
def test_dashboards_from_tallies_equal_dashboards_from_records(django_user_model, page, query):
    call_command("seed_demo", "--as-of", "2026-11-01", "--password", "pw", verbosity=0)
    innovation = Barrier.objects.values_list("innovation_id", flat=True).first()
    values = query.replace("INNOVATION", str(innovation))
    request = RequestFactory().get(
        "/", dict(pair.split("=") for pair in values.split("&") if pair)
    )
    request.user = django_user_model.objects.get(username="national")

    from_tallies = DashboardFilters(request, with_grouping=True)
    from_records = CountingRecords(request, with_grouping=True)
    build = getattr(pages, page)

    def tables(filters):
        return {table.name: table.rows for table in build(filters).tables}

    if not query:
        for tally in [*tallies.TALLIES, tallies.SPREAD]:
            assert reads_table(from_tallies, tally) and not reads_table(from_records, tally)
        # Over every region, a tally kept per region is read from its national roll-up.
        for tally in (tallies.ACTIONS, tallies.OPEN_SINCE, tallies.RESOLVE_DAYS):
            (source,) = from_tallies.rows(tally).sources
            assert source.table.model is tally.rollup.model()
    assert tables(from_tallies) == tables(from_records)


def reads_table(filters, tally):
    """Whether the filters read `tally`'s rows from its table rather than the records."""
    return all(isinstance(source, tallies.Stored) for source in filters.rows(tally).sources)
