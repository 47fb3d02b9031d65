"""The dashboards' filter bar: the adoption and barrier filter sets read from one query string.

Adoption figures follow the place, innovation, pathway and stage filters; barrier figures
follow the place, innovation, pathway, category, severity, status and date filters. The bar
shows each field once. The filters also decide where a tallied figure's rows come from
(`DashboardFilters.rows`)."""

import functools
import operator

from django import forms

from adoption.accounts.policy import access_for
from adoption.barriers.filters import AdoptionFilter, BarrierFilter
from adoption.barriers.models import Adoption, Barrier, EnablerAction, StageChange
from adoption.core.forms import FilterForm, applied_filters
from adoption.dashboards.aggregates import GROUPING_LABELS
from adoption.dashboards.cache import scope


class GroupingForm(forms.Form):
    group_by = forms.ChoiceField(
        label="Compare by",
        choices=list(GROUPING_LABELS.items()),
        required=False,
        initial="region",
    )


# The filters that narrow by place: the stall rule's "why" compares with every place. The
# organisation type is a place only when the page compares organisation types.
PLACE_FILTERS = ("region", "icb", "organisation")


class DashboardFilters:
    def __init__(self, request, *, with_grouping=False):
        self._read(request.GET, access_for(request), with_grouping)

    @classmethod
    def from_query(cls, data, access, *, with_grouping=False):
        """The filters of a query string (a QueryDict) read for `access` outside a request: a
        saved view, as notifications follow one (adoption/notifications/)."""
        filters = cls.__new__(cls)
        filters._read(data, access, with_grouping)
        return filters

    def _read(self, data, access, with_grouping):
        self.data = data
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
    def place_filters(self):
        """The filters that narrow this view by place, given what it compares."""
        return (*PLACE_FILTERS, "org_type") if self.grouping == "org_type" else PLACE_FILTERS

    @property
    def places_filtered(self):
        """Whether a place filter narrows this view."""
        return any(self.data.get(name) for name in self.place_filters)

    def scopes(self, *, places=True, innovation=None):
        """The scopes (adoption/dashboards/cache.py) that every figure of this view is narrowed
        to: the innovation filtered to (or given), and, with `places`, the region and ICB;
        none when nothing narrows it."""
        if not self.is_valid():
            return []
        self.adoptions_filter.is_valid()
        used = self.adoptions_filter.form.cleaned_data
        innovation = innovation or used.get("innovation")
        found = [scope("innovation", innovation.pk)] if innovation else []
        if places:
            found += [scope(kind, used[kind].pk) for kind in ("region", "icb") if used.get(kind)]
        return found

    def everywhere(self):
        """The same filters over every place: the viewer's other filters and access still
        apply."""
        data = self.data.copy()
        for name in self.place_filters:
            data.pop(name, None)
        national = DashboardFilters.__new__(DashboardFilters)
        national._read(data, self.access, self.grouping_form is not None)
        return national

    def query_everywhere(self):
        """The query string of `everywhere`'s filters, without the page's own controls."""
        data = self.everywhere().data.copy()
        for name in ("group_by", "flags", "download"):
            data.pop(name, None)
        return data.urlencode()

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

    def used(self, tally):
        """The filters in use on what `tally` counts ({name: cleaned value}), or None when its
        table may not serve this view: invalid filters, or a viewer who does not see every
        record it counts (the barrier and action tallies count confidential barriers too)."""
        if not self.is_valid():
            return None
        if tally.source == "stage change":
            filterset = self.adoptions_filter
        elif self.access.is_national:
            filterset = self.barriers_filter
        else:
            return None
        filterset.is_valid()
        return {
            name: value
            for name, value in filterset.form.cleaned_data.items()
            if value not in (None, "")
        }

    def records(self, tally):
        """The records `tally` counts, narrowed by the filters and the access policy."""
        if tally.source == "barrier":
            return self.barriers
        if tally.source == "action":
            return _belonging(EnablerAction, "barrier", self.barriers)
        return _belonging(StageChange, "adoption", self.adoptions)

    def rows(self, *declared):
        """The rows of these tallies (several when they fill one table) for this view: the
        tally's table narrowed by the filters where it can serve them, else the filtered records
        counted by the query that fills the tally. The same columns either way, so every figure
        is computed one way from them."""
        return functools.reduce(
            operator.add,
            (tally.rows(self.used(tally), self.records(tally)) for tally in declared),
        )


def _belonging(model, parent, parents):
    """`model`'s records whose `parent` is one of `parents`; every record when no filter
    narrows the parents."""
    if not parents.query.where:
        return model.objects.all()
    return model.objects.filter(**{f"{parent}__in": parents.values("id")})
