import datetime

import pytest

from adoption.registry.models import Organisation, OrganisationType
from adoption.registry.services import load_nhs_england_icbs, refresh_icb_rollups
from tests.factories import IcbFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_reference_icbs_loaded_with_closures_and_successors():
    icbs = load_nhs_england_icbs()

    assert len(icbs) == 48
    assert Organisation.objects.regions().count() == 7
    assert Organisation.objects.icbs().filter(closed_on__isnull=True).count() == 36
    frimley = icbs["QNQ"]
    assert frimley.closed_on == datetime.date(2026, 3, 31)
    assert not frimley.is_active
    assert sorted(frimley.successors.values_list("ods_code", flat=True)) == [
        "QRL",
        "S0E4D",
        "S9B9J",
    ]
    assert frimley.rolls_up_to.ods_code == "S0E4D"
    assert icbs["S1Y5D"].region.ods_code == "Y61"


def test_reference_load_is_idempotent():
    load_nhs_england_icbs()
    load_nhs_england_icbs()

    assert Organisation.objects.icbs().count() == 48


def test_trust_under_closed_icb_rolls_up_to_successor():
    icbs = load_nhs_england_icbs()
    trust = OrganisationFactory(parent=icbs["QHG"], region=icbs["QHG"].region)
    open_trust = OrganisationFactory(parent=icbs["QOP"], region=icbs["QOP"].region)

    refresh_icb_rollups()

    trust.refresh_from_db()
    open_trust.refresh_from_db()
    assert trust.icb.ods_code == "S1Y5D"
    assert open_trust.icb.ods_code == "QOP"
    assert icbs["QHG"] in Organisation.objects.get(pk=trust.pk).icb.predecessors.all()


def test_practice_rolls_up_through_its_pcn():
    icb = IcbFactory()
    pcn = OrganisationFactory(org_type=OrganisationType.PCN, parent=icb)
    practice = OrganisationFactory(org_type=OrganisationType.GP_PRACTICE, parent=pcn)

    refresh_icb_rollups()

    practice.refresh_from_db()
    assert practice.icb == icb


def test_rollup_follows_a_chain_of_closures():
    first = IcbFactory(closed_on=datetime.date(2024, 3, 31))
    second = IcbFactory(closed_on=datetime.date(2026, 3, 31))
    third = IcbFactory()
    first.successors.set([second])
    second.successors.set([third])
    trust = OrganisationFactory(parent=first)

    refresh_icb_rollups()

    trust.refresh_from_db()
    assert trust.icb == third


def test_rollup_without_primary_picks_lowest_code_successor():
    closed = IcbFactory(ods_code="QZA", closed_on=datetime.date(2026, 3, 31))
    later = IcbFactory(ods_code="QZC")
    earlier = IcbFactory(ods_code="QZB")
    closed.successors.set([later, earlier])

    refresh_icb_rollups()

    closed.refresh_from_db()
    assert closed.icb == earlier
