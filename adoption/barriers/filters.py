"""Filter sets: one per subject, shared by pages, CSV exports and the API. Both adoptions and
barriers belong to an organisation and an innovation, so the organisation and innovation
filters are defined once, in `PlaceAndInnovationFilter`."""

import django_filters
from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from adoption.barriers.models import (
    PUBLIC_ID_PATTERN,
    ActionOutcome,
    Adoption,
    Barrier,
    BarrierCategory,
    BarrierStatus,
    EnablerAction,
    EnablerType,
    Severity,
    Stage,
)
from adoption.core.forms import DateInput, FilterForm
from adoption.registry.filters import SlugChoiceFilter
from adoption.registry.models import (
    Innovation,
    InnovationCategory,
    Organisation,
    OrganisationType,
    Pathway,
)


class PlaceAndInnovationFilter(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(
        field_name="organisation__region",
        queryset=Organisation.objects.regions().order_by("name"),
        to_field_name="ods_code",
        empty_label="All regions",
    )
    icb = django_filters.ModelChoiceFilter(
        label="ICB",
        field_name="organisation__icb",
        queryset=Organisation.objects.icbs().active().order_by("name"),
        to_field_name="ods_code",
        empty_label="All ICBs",
    )
    org_type = django_filters.ChoiceFilter(
        label="Organisation type",
        field_name="organisation__org_type",
        choices=OrganisationType.choices,
        empty_label="All types",
    )
    organisation = django_filters.CharFilter(
        label="Organisation ODS code",
        field_name="organisation__ods_code",
        lookup_expr="iexact",
        max_length=6,
    )
    innovation = SlugChoiceFilter(
        queryset=Innovation.objects.order_by("name"), empty_label="All innovations"
    )
    innovation_category = django_filters.ChoiceFilter(
        label="Innovation category",
        field_name="innovation__category",
        choices=InnovationCategory.choices,
        empty_label="All categories",
    )

    class Meta:
        form = FilterForm


class BarrierFilter(PlaceAndInnovationFilter):
    pathway = SlugChoiceFilter(
        queryset=Pathway.objects.order_by("name"), empty_label="All pathways"
    )
    category = django_filters.ModelChoiceFilter(
        label="Barrier category",
        queryset=BarrierCategory.objects.all(),
        to_field_name="slug",
        empty_label="All barrier categories",
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")
    status = django_filters.ChoiceFilter(choices=BarrierStatus.choices, empty_label="Any status")
    identified_after = django_filters.DateFilter(
        label="Identified on or after",
        field_name="identified_on",
        lookup_expr="gte",
        widget=DateInput,
    )
    identified_before = django_filters.DateFilter(
        label="Identified on or before",
        field_name="identified_on",
        lookup_expr="lte",
        widget=DateInput,
    )

    class Meta(PlaceAndInnovationFilter.Meta):
        model = Barrier
        fields = []


class AdoptionFilter(PlaceAndInnovationFilter):
    pathway = SlugChoiceFilter(
        label="Pathway",
        queryset=Pathway.objects.order_by("name"),
        empty_label="All pathways",
        method="filter_pathway",
        help_text="Innovations that change this pathway.",
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")

    class Meta(PlaceAndInnovationFilter.Meta):
        model = Adoption
        fields = []

    @extend_schema_field(OpenApiTypes.STR)  # the API takes the pathway's slug
    def filter_pathway(self, queryset, name, pathway):
        # A subquery rather than a join, so an innovation on two pathways is not counted twice.
        return queryset.filter(innovation__in=Innovation.objects.filter(pathways=pathway))


class EnablerActionFilter(django_filters.FilterSet):
    barrier = django_filters.CharFilter(
        field_name="barrier__public_id",
        label="Barrier (its public id)",
        validators=[
            RegexValidator(f"^{PUBLIC_ID_PATTERN}$", "Enter a barrier's 16-character public id.")
        ],
    )
    enabler_type = django_filters.ModelChoiceFilter(
        queryset=EnablerType.objects.all(), to_field_name="slug"
    )
    outcome = django_filters.ChoiceFilter(choices=ActionOutcome.choices)
    innovation = SlugChoiceFilter(queryset=Innovation.objects.all())
    organisation = django_filters.CharFilter(
        label="Organisation ODS code",
        field_name="organisation__ods_code",
        lookup_expr="iexact",
        max_length=6,
    )

    class Meta:
        model = EnablerAction
        fields = []
