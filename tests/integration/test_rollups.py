"""The roll-ups equal a fresh count, whatever happens to the records."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adoption.barriers import services
from adoption.barriers.models import Adoption, Stage
from adoption.dashboards import aggregates, tallies
from adoption.dashboards.models import SpreadRollup
from adoption.dashboards.rollups import rebuild_spread_rollup
from adoption.registry.services import save_organisation

pytestmark = pytest.mark.django_db


def rollup_rows():
    return sorted(
        (r.innovation_id, r.region_id, r.icb_id, r.org_type, r.quarter, r.changes, r.advances)
        for r in SpreadRollup.objects.all()
        if r.changes
    )


def fresh_rows():
    """The roll-up's rows counted afresh from the stage changes by its declaration."""
    return sorted((*key, *counts) for key, counts in tallies.SPREAD.count().items())


START = datetime.date(2024, 1, 1)

operation = st.one_of(
    st.tuples(st.just("adopt"), st.integers(0, 3), st.integers(0, 1), st.integers(0, 600)),
    st.tuples(
        st.just("stage"), st.integers(0, 50), st.sampled_from(Stage.values), st.integers(0, 300)
    ),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("move"), st.integers(0, 3), st.integers(0, 1)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=12))
def test_spread_rollup_equals_a_fresh_count_after_any_changes(places, operations):
    for op in operations:
        adoptions = list(Adoption.objects.order_by("id"))
        if op[0] == "adopt":
            _, org, innovation, days = op
            organisation, inn = places["orgs"][org], places["innovations"][innovation]
            if not Adoption.objects.filter(innovation=inn, organisation=organisation).exists():
                services.create_adoption(
                    by=None,
                    adoption=Adoption(
                        innovation=inn,
                        organisation=organisation,
                        stage_changed_on=START + datetime.timedelta(days=days),
                    ),
                )
        elif op[0] == "stage" and adoptions:
            _, index, stage, days = op
            adoption = adoptions[index % len(adoptions)]
            on = min(
                adoption.stage_changed_on + datetime.timedelta(days=days), datetime.date.today()
            )
            if stage != adoption.stage:
                services.change_stage(by=None, adoption=adoption, stage=stage, on=on)
        elif op[0] == "delete" and adoptions:
            services.delete_adoption(by=None, adoption=adoptions[op[1] % len(adoptions)])
        elif op[0] == "move":
            _, org, region = op
            organisation = places["orgs"][org]
            organisation.region = places["regions"][region]
            organisation.parent = places["icbs"][region]
            save_organisation(by=None, organisation=organisation)

        assert rollup_rows() == fresh_rows()


def test_rebuild_equals_fresh_count_on_the_demo():
    from django.core.management import call_command

    call_command("seed_demo", "--as-of", "2026-11-01", "--password", "pw", verbosity=0)

    assert rollup_rows() == fresh_rows()
    SpreadRollup.objects.all().delete()
    rebuild_spread_rollup()
    assert rollup_rows() == fresh_rows()


@pytest.mark.parametrize("grouping", ["region", "icb", "org_type"])
def test_spread_from_rollup_equals_spread_from_stage_changes(grouping):
    from django.core.management import call_command

    call_command("seed_demo", "--as-of", "2026-11-01", "--password", "pw", verbosity=0)
    today = datetime.date(2026, 11, 1)
    adoptions, barriers = Adoption.objects.all(), tallies.BY_INNOVATION.rows()

    live = aggregates.spread_matrix(
        adoptions,
        changes=tallies.SPREAD.rows(),
        barriers=barriers,
        grouping=grouping,
        today=today,
    )
    rolled = aggregates.spread_matrix(
        adoptions,
        changes=tallies.SPREAD.rows(used={}),
        barriers=barriers,
        grouping=grouping,
        today=today,
    )

    def summary(cells):
        return [
            (
                c.innovation,
                c.group,
                c.verdict.advances,
                c.verdict.stalling,
                [w.category for w in c.why.categories] if c.why else [],
            )
            for c in cells
        ]

    assert summary(rolled) == summary(live)
    if grouping == "region":
        assert any(c.verdict.stalling for c in live)
