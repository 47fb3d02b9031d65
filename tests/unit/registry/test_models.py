import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from adoption.registry.models import Organisation, OrganisationType
from tests.factories import InnovationFactory, OrganisationFactory, RegionFactory

pytestmark = pytest.mark.django_db


def insert_organisation(**fields):
    """Insert bypassing model validation, so only the database can refuse."""
    defaults = {"name": "Test organisation", "org_type": OrganisationType.ACUTE_TRUST}
    with transaction.atomic():
        return Organisation.objects.create(**(defaults | fields))


@pytest.mark.parametrize("code", ["QOP", "RXX01", "S1Y5D", "A81001"])
def test_ods_code_accepted_from_three_to_six_characters(code):
    organisation = insert_organisation(ods_code=code)

    assert Organisation.objects.get(pk=organisation.pk).ods_code == code


@pytest.mark.parametrize("code", ["QO", "A810012", "qop", "Q-P", "Q P", ""])
def test_ods_code_in_wrong_format_rejected_by_database(code):
    # PostgreSQL refuses an over-long code by the column's length, SQLite by the check.
    with pytest.raises((IntegrityError, DataError)):
        insert_organisation(ods_code=code)


def test_ods_code_in_wrong_format_rejected_by_model_validation():
    organisation = Organisation(ods_code="q1", name="x", org_type=OrganisationType.ICB)

    with pytest.raises(ValidationError) as error:
        organisation.full_clean()

    assert "ods_code" in error.value.message_dict


def test_ods_code_unique():
    insert_organisation(ods_code="RXX")

    with pytest.raises(IntegrityError):
        insert_organisation(ods_code="RXX")


def test_closed_before_opened_rejected_by_database():
    with pytest.raises(IntegrityError):
        insert_organisation(
            ods_code="RXY",
            opened_on=datetime.date(2022, 7, 1),
            closed_on=datetime.date(2022, 6, 30),
        )


def test_organisation_cannot_roll_up_to_itself():
    organisation = insert_organisation(ods_code="RXZ")
    organisation.rolls_up_to = organisation

    with pytest.raises(IntegrityError), transaction.atomic():
        organisation.save()


def test_innovation_adopter_types_must_be_organisation_types():
    innovation = InnovationFactory.build(adopter_types=["acute_trust", "spaceport"])

    with pytest.raises(ValidationError) as error:
        innovation.full_clean()

    assert "spaceport" in str(error.value.message_dict["adopter_types"])


def test_region_queryset_vocabulary():
    region = RegionFactory()
    inside = OrganisationFactory(region=region)
    OrganisationFactory()

    assert list(Organisation.objects.in_region(region)) == [inside]
    assert region in Organisation.objects.regions()
