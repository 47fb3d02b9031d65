import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from adoption.accounts.apps import REFERENCE_ADMIN_GROUP
from adoption.accounts.models import Membership, Role
from adoption.barriers.models import (
    Adoption,
    Barrier,
    BarrierCategory,
    EnablerAction,
    EnablerType,
    Severity,
    StageChange,
)
from adoption.dashboards.upkeep import figures_upkeep
from adoption.registry.models import (
    Innovation,
    InnovationCategory,
    Organisation,
    OrganisationType,
    Pathway,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.nhs.uk")
    password = factory.django.Password("correct-horse-battery")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["ods_code"]

    ods_code = factory.Sequence(lambda n: f"Y{n + 70:02d}")
    name = factory.Sequence(lambda n: f"Test region {n}")
    org_type = OrganisationType.REGION


class IcbFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    ods_code = factory.Sequence(lambda n: f"QZ{n:03d}")
    name = factory.Sequence(lambda n: f"Test ICB {n}")
    org_type = OrganisationType.ICB
    region = factory.SubFactory(RegionFactory)
    parent = factory.SelfAttribute("region")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    ods_code = factory.Sequence(lambda n: f"ZT{n:04d}")
    name = factory.Sequence(lambda n: f"Test Hospitals NHS Trust {n}")
    org_type = OrganisationType.ACUTE_TRUST
    region = factory.SubFactory(RegionFactory)
    parent = None


class PathwayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pathway

    name = factory.Sequence(lambda n: f"Test pathway {n}")


class InnovationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Innovation

    name = factory.Sequence(lambda n: f"Test innovation {n}")
    category = InnovationCategory.DIGITAL
    adopter_types = factory.LazyFunction(lambda: [OrganisationType.ACUTE_TRUST.value])


class CountedFactory(factory.django.DjangoModelFactory):
    """Records made for a test in any state the test needs, written straight to the database
    rather than through the services, but counted into the figures by the same upkeep."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with figures_upkeep() as figures:
            cls._before(figures, kwargs)
            record = super()._create(model_class, *args, **kwargs)
            cls._after(figures, record)
        return record

    @classmethod
    def _before(cls, figures, kwargs):
        pass

    @classmethod
    def _after(cls, figures, record):
        figures.record_changed(record)


class AdoptionFactory(CountedFactory):
    class Meta:
        model = Adoption

    innovation = factory.SubFactory(InnovationFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class StageChangeFactory(CountedFactory):
    class Meta:
        model = StageChange

    adoption = factory.SubFactory(AdoptionFactory)
    from_stage = ""
    to_stage = "not_started"
    changed_on = factory.LazyFunction(datetime.date.today)

    @classmethod
    def _after(cls, figures, record):
        figures.stage_change_added(record)


def category(slug):
    return BarrierCategory.objects.get(slug=slug)


def enabler(slug):
    return EnablerType.objects.get(slug=slug)


class BarrierFactory(CountedFactory):
    class Meta:
        model = Barrier

    innovation = factory.SubFactory(InnovationFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    category = factory.LazyFunction(lambda: category("silo-working"))
    severity = Severity.MODERATE
    identified_on = factory.LazyFunction(lambda: datetime.date(2026, 1, 15))
    description = "Nobody owns the change across services."

    @classmethod
    def _after(cls, figures, record):
        figures.barrier_added(record.pk)


class EnablerActionFactory(CountedFactory):
    class Meta:
        model = EnablerAction

    barrier = factory.SubFactory(BarrierFactory)
    innovation = factory.SelfAttribute("barrier.innovation")
    organisation = factory.SelfAttribute("barrier.organisation")
    enabler_type = factory.LazyFunction(lambda: enabler("pooled-budget"))
    owner = "Finance director"

    @classmethod
    def _before(cls, figures, kwargs):
        figures.barrier_changing(kwargs["barrier"].pk)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.INNOVATION_LEAD


class ReferenceAdminFactory(UserFactory):
    """A staff member in the reference data administrators' group, with no memberships."""

    class Meta:
        skip_postgeneration_save = True

    is_staff = True

    @factory.post_generation
    def groups(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=REFERENCE_ADMIN_GROUP))
