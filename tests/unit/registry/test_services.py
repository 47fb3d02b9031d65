import datetime

import pytest
from django.core.management import call_command

from adoption.registry.models import Organisation, OrganisationType
from adoption.registry.services import (
    load_nhs_england_icbs,
    places_changing,
    refresh_icb_rollups,
    save_organisation,
)
from adoption.registry.signals import places_changed
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


@pytest.fixture
def announcements():
    """Every `places_changed` sent, as a list of senders."""
    sent = []

    def note(sender, **kwargs):
        sent.append(sender)

    places_changed.connect(note)
    yield sent
    places_changed.disconnect(note)


@pytest.fixture
def north_and_south():
    north, south = IcbFactory(), IcbFactory()
    trust = OrganisationFactory(region=north.region, parent=north)
    refresh_icb_rollups()
    return north, south, trust


def test_saving_an_organisation_in_another_place_announces_once(north_and_south, announcements):
    north, south, trust = north_and_south
    trust.region, trust.parent = south.region, south

    save_organisation(by=None, organisation=trust)

    assert len(announcements) == 1
    trust.refresh_from_db()
    assert trust.icb == south


def test_saving_an_organisation_as_another_type_announces_once(north_and_south, announcements):
    _, _, trust = north_and_south
    trust.org_type = OrganisationType.COMMUNITY_TRUST

    save_organisation(by=None, organisation=trust)

    assert len(announcements) == 1


def test_saving_an_organisation_in_the_same_place_announces_nothing(
    north_and_south, announcements
):
    _, _, trust = north_and_south
    trust.name = "Renamed Hospitals NHS Trust"

    save_organisation(by=None, organisation=trust)

    assert announcements == []


def test_places_changing_announces_once_at_the_end_of_the_outermost_block(
    north_and_south, announcements
):
    north, south, trust = north_and_south
    other = OrganisationFactory(region=north.region, parent=north)

    with places_changing():
        with places_changing():
            for organisation in (trust, other):
                organisation.region, organisation.parent = south.region, south
                save_organisation(by=None, organisation=organisation)
            refresh_icb_rollups()
        assert announcements == []

    assert len(announcements) == 1


def test_places_changing_announces_nothing_when_the_work_fails(north_and_south, announcements):
    _, south, trust = north_and_south

    with pytest.raises(RuntimeError), places_changing():
        trust.region, trust.parent = south.region, south
        save_organisation(by=None, organisation=trust)
        raise RuntimeError("the rest of the import failed")

    assert announcements == []
    assert Organisation.objects.get(pk=trust.pk).parent_id != south.pk


def test_refreshing_icb_rollups_announces_once_however_many_move(announcements):
    closed = IcbFactory(closed_on=datetime.date(2026, 3, 31))
    closed.successors.set([IcbFactory()])
    OrganisationFactory.create_batch(5, parent=closed)

    refresh_icb_rollups()

    assert len(announcements) == 1
    assert Organisation.objects.filter(icb__in=closed.successors.all()).count() == 7


def test_loading_reference_organisations_again_announces_once(announcements):
    call_command("load_reference_organisations", verbosity=0)
    # Since the last load: an ICB was moved by hand and a trust left under a closed ICB.
    Organisation.objects.filter(ods_code="QOP").update(region=None)
    OrganisationFactory(parent=Organisation.objects.get(ods_code="QHG"))
    announcements.clear()

    call_command("load_reference_organisations", verbosity=0)

    assert len(announcements) == 1
    assert Organisation.objects.get(ods_code="QOP").region.ods_code == "Y62"


def test_refresh_rollups_refreshes_icb_rollups_and_recounts_once(announcements):
    icb = IcbFactory()  # saved without its roll-up, as by a load with raw SQL

    call_command("refresh_rollups", verbosity=0)

    assert len(announcements) == 1
    assert Organisation.objects.get(pk=icb.pk).icb == icb
