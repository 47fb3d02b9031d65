"""The escalation queue's filter bar: state, lever, level, innovation, overdue and region."""

import django_filters
from django.utils import timezone

from adoption.core.forms import FilterForm
from adoption.escalations.models import Escalation, Level, Lever, State, overdue_q
from adoption.registry.models import Innovation, Organisation


class EscalationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices, empty_label="Any state")
    lever = django_filters.ChoiceFilter(choices=Lever.choices, empty_label="Any lever")
    level = django_filters.ChoiceFilter(
        label="Escalated to", choices=Level.choices, empty_label="ICB or national team"
    )
    innovation = django_filters.ModelChoiceFilter(
        field_name="barrier__innovation",
        queryset=Innovation.objects.order_by("name"),
        empty_label="All innovations",
    )
    region = django_filters.ModelChoiceFilter(
        field_name="barrier__organisation__region",
        queryset=Organisation.objects.regions().order_by("name"),
        to_field_name="ods_code",
        empty_label="All regions",
    )
    overdue = django_filters.ChoiceFilter(
        label="Due dates",
        choices=[("yes", "Overdue"), ("no", "Not overdue")],
        empty_label="Overdue or not",
        method="filter_overdue",
    )

    class Meta:
        model = Escalation
        fields = []
        form = FilterForm

    def filter_overdue(self, queryset, name, value):
        condition = overdue_q(today=timezone.localdate())
        return queryset.filter(condition) if value == "yes" else queryset.exclude(condition)
