"""The dashboards' filter bar: the adoption and barrier filter sets read from one query string.

Adoption figures follow the place, innovation, pathway and stage filters; barrier figures
follow the place, innovation, pathway, category, severity, status and date filters. The bar
shows each field once."""

from django import forms

from adoption.accounts.policy import access_for
from adoption.barriers.filters import AdoptionFilter, BarrierFilter
from adoption.barriers.models import Adoption, Barrier
from adoption.core.forms import FilterForm, applied_filters
from adoption.dashboards.aggregates import GROUPING_LABELS
from adoption.dashboards.models import SpreadRollup
from adoption.registry.models import Innovation


class GroupingForm(forms.Form):
    group_by = forms.ChoiceField(
        label="Compare by",
        choices=list(GROUPING_LABELS.items()),
        required=False,
        initial="region",
    )


class DashboardFilters:
    def __init__(self, request, *, with_grouping=False):
        data = request.GET
        access = access_for(request)
        self.access = access
        self.adoptions_filter = AdoptionFilter(data, queryset=Adoption.objects.all())
        self.barriers_filter = BarrierFilter(
            data, queryset=access.visible_barriers(Barrier.objects.all())
        )
        self.grouping_form = GroupingForm(data) if with_grouping else None
        self.form = self._merged_form()

    def _merged_form(self):
        fields = dict(self.adoptions_filter.form.fields)
        for name, field in self.barriers_filter.form.fields.items():
            if name not in fields:
                fields[name] = field
        if self.grouping_form is not None:
            fields = {**self.grouping_form.fields, **fields}
        form_class = type("DashboardFilterForm", (FilterForm,), dict(fields))
        form = form_class(self.adoptions_filter.data or None)
        form.is_valid()
        return form

    @property
    def applied(self):
        """How many filters the query string sets."""
        return applied_filters(self.form, self.adoptions_filter.data)

    def is_valid(self):
        return self.form.is_bound is False or not self.form.errors

    @property
    def adoptions(self):
        return self.adoptions_filter.qs if self.is_valid() else Adoption.objects.none()

    @property
    def barriers(self):
        return self.barriers_filter.qs if self.is_valid() else Barrier.objects.none()

    @property
    def grouping(self):
        if self.grouping_form is not None and self.grouping_form.is_valid():
            return self.grouping_form.cleaned_data.get("group_by") or "region"
        return "region"

    def spread_rollup(self):
        """The roll-up rows narrowed by the filters, or None when a filter (an organisation,
        a stage) needs the stage changes themselves."""
        if not self.is_valid():
            return None
        data = self.adoptions_filter.form.cleaned_data
        used = {name for name, value in data.items() if value not in (None, "")}
        if used - {"region", "icb", "org_type", "innovation", "innovation_category", "pathway"}:
            return None
        rows = SpreadRollup.objects.all()
        if data.get("region"):
            rows = rows.filter(region_id=data["region"].pk)
        if data.get("icb"):
            rows = rows.filter(icb_id=data["icb"].pk)
        if data.get("org_type"):
            rows = rows.filter(org_type=data["org_type"])
        if data.get("innovation"):
            rows = rows.filter(innovation_id=data["innovation"].pk)
        if data.get("innovation_category"):
            innovations = Innovation.objects.filter(category=data["innovation_category"])
            rows = rows.filter(innovation_id__in=innovations.values("id"))
        if data.get("pathway"):
            innovations = Innovation.objects.filter(pathways=data["pathway"])
            rows = rows.filter(innovation_id__in=innovations.values("id"))
        return rows

    def tally(self, tally):
        """A tally's rows narrowed by the barrier filters in use, or None when the page must
        count the records themselves: a filter the tally does not key on, or a viewer who does
        not see every barrier (tallies count confidential barriers too)."""
        if not self.is_valid() or not self.access.is_national:
            return None
        self.barriers_filter.is_valid()
        data = self.barriers_filter.form.cleaned_data
        return tally.narrowed(
            {name: value for name, value in data.items() if value not in (None, "")}
        )
