"""Django forms rendered in NHS.UK design-system markup."""

from django import forms
from django.forms.renderers import TemplatesSetting


class NhsFormRenderer(TemplatesSetting):
    """Renders every form and field with the templates in templates/includes/forms/."""

    form_template_name = "includes/forms/form.html"
    field_template_name = "includes/forms/field.html"


class FilterForm(forms.Form):
    """The form behind a filter bar: every field is optional, so none is labelled so."""

    hide_optional = True


class RadioSelectWithHints(forms.RadioSelect):
    """Radios with a one-line hint under each option (NHS.UK 'radios with hints')."""

    def __init__(self, *args, hints=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hints = hints or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["hint"] = self.hints.get(str(value), "")
        return option


class DateInput(forms.DateInput):
    """A native date picker; the server still validates whatever arrives."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class NhsDateField(forms.DateField):
    widget = DateInput
    default_error_messages = {"invalid": "Enter a real date, for example 2026-03-27."}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"])
        super().__init__(**kwargs)
