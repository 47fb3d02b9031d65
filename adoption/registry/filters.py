"""Filter sets for reference data, used by the API's organisation and innovation lists."""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from adoption.core.forms import SlugOrIdChoiceField
from adoption.registry.models import (
    Innovation,
    InnovationCategory,
    Organisation,
    OrganisationType,
    Pathway,
)


class SlugChoiceFilter(django_filters.ModelChoiceFilter):
    """An innovation or pathway, named by its slug (or, as before, its id)."""

    field_class = SlugOrIdChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)


class OrganisationFilter(django_filters.FilterSet):
    org_type = django_filters.ChoiceFilter(
        label="Organisation type", choices=OrganisationType.choices
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.regions(), to_field_name="ods_code"
    )
    icb = django_filters.ModelChoiceFilter(
        label="ICB", queryset=Organisation.objects.icbs(), to_field_name="ods_code"
    )
    is_active = django_filters.ChoiceFilter(
        label="Active",
        choices=[("true", "true"), ("false", "false")],
        method="filter_active",
    )
    q = django_filters.CharFilter(label="Name or ODS code", method="filter_text", max_length=100)

    class Meta:
        model = Organisation
        fields = []

    @extend_schema_field({"type": "string", "enum": ["true", "false"]})
    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")

    def filter_text(self, queryset, name, value):
        """Names that contain the text, and ODS codes that start with it."""
        return queryset.filter(Q(name__icontains=value) | Q(ods_code__istartswith=value))


class InnovationFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=InnovationCategory.choices)
    pathway = SlugChoiceFilter(queryset=Pathway.objects.all(), field_name="pathways")

    class Meta:
        model = Innovation
        fields = []
