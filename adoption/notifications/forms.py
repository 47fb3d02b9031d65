"""Following an innovation, an organisation or a dashboard view: the form on /notifications/
and behind each dashboard's "Follow" button. A saved view's filters are checked by the
dashboards' own filter form, so a view that could not be shown cannot be followed."""

from django import forms
from django.http import QueryDict

from adoption.core.forms import in_our_words
from adoption.dashboards.filters import DashboardFilters
from adoption.notifications.models import QUERY_MAX_LENGTH, DashboardPage, Follow
from adoption.registry.models import Innovation, Organisation

# What a dashboard's address may carry that is not a filter: left out of a saved view.
NOT_FILTERS = ("download", "flags", "page")


class FollowForm(forms.Form):
    innovation = forms.ModelChoiceField(
        queryset=Innovation.objects.order_by("name"),
        required=False,
        empty_label="Choose an innovation",
        help_text="Told when it is newly flagged as stalling in any region.",
    )
    organisation = forms.CharField(
        label="Organisation ODS code",
        required=False,
        max_length=10,
        help_text="For example RAJ or QWE. A region or ICB is followed as a place; a trust, "
        "through its ICB.",
    )
    page = forms.ChoiceField(
        choices=[("", "")] + DashboardPage.choices, required=False, widget=forms.HiddenInput
    )
    query = forms.CharField(required=False, max_length=QUERY_MAX_LENGTH, widget=forms.HiddenInput)

    def __init__(self, *args, user, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.access = access
        in_our_words(self)

    def clean_organisation(self):
        code = self.cleaned_data["organisation"].strip().upper()
        if not code:
            return None
        found = Organisation.objects.filter(ods_code=code).first()
        if found is None:
            raise forms.ValidationError(f"No organisation has the ODS code “{code}”.")
        return found

    def clean(self):
        data = super().clean()
        innovation, organisation = data.get("innovation"), data.get("organisation")
        page = data.get("page")
        chosen = [name for name in ("innovation", "organisation", "page") if data.get(name)]
        if self.errors:
            return data
        if not chosen:
            raise forms.ValidationError(
                {"innovation": "Choose an innovation or enter an organisation's ODS code."}
            )
        if len(chosen) > 1:
            raise forms.ValidationError(
                {"organisation": "Follow one thing at a time: an innovation or an organisation."}
            )
        if page:
            data["query"] = self._clean_view(data.get("query") or "")
        existing = Follow.objects.filter(user=self.user)
        if innovation:
            existing = existing.filter(innovation=innovation)
        elif organisation:
            existing = existing.filter(organisation=organisation)
        else:
            existing = existing.filter(page=page, query=data["query"])
        if existing.exists():
            raise forms.ValidationError({chosen[0]: "You already follow this."})
        return data

    def _clean_view(self, query):
        data = QueryDict(query, mutable=True)
        for name in NOT_FILTERS:
            data.pop(name, None)
        for name in [name for name, values in data.lists() if not any(values)]:
            del data[name]
        filters = DashboardFilters.from_query(data, self.access, with_grouping=True)
        unknown = sorted(set(data) - set(filters.form.fields))
        if unknown or not filters.is_valid():
            problems = [f"“{name}” is not a filter" for name in unknown] + [
                f"{filters.form.fields[name].label}: {' '.join(errors)}"
                if name in filters.form.fields
                else " ".join(errors)
                for name, errors in filters.form.errors.items()
            ]
            raise forms.ValidationError(
                {"query": "These filters cannot be followed: " + "; ".join(problems)}
            )
        encoded = data.urlencode()
        if len(encoded) > QUERY_MAX_LENGTH:  # encoding can lengthen what was typed
            raise forms.ValidationError(
                {"query": f"These filters are too long to follow ({QUERY_MAX_LENGTH:,} at most)."}
            )
        return encoded

    def save(self):
        """The follow; the one already there if the same form was sent twice at once."""
        data = self.cleaned_data
        follow, _ = Follow.objects.get_or_create(
            user=self.user,
            innovation=data.get("innovation"),
            organisation=data.get("organisation"),
            page=data.get("page") or "",
            query=data.get("query") or "" if data.get("page") else "",
        )
        return follow
