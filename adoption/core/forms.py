"""Django forms rendered in NHS.UK design-system markup."""

from django import forms
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class NhsFormRenderer(TemplatesSetting):
    """Renders every form and field with the templates in templates/includes/forms/."""

    form_template_name = "includes/forms/form.html"
    field_template_name = "includes/forms/field.html"


class FastSelect(forms.Select):
    """A select rendered in Python: the same HTML as Django's, without a template per option,
    which matters for a filter bar with hundreds of innovations on every dashboard."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _, group, _ in widget["optgroups"]
                for option in group
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), options
        )


def applied_filters(form, data):
    """How many of a filter form's fields the query string sets."""
    return sum(1 for name in form.fields if data.get(name))


class FilterForm(forms.Form):
    """The form behind a filter bar: every field is optional, so none is labelled so."""

    hide_optional = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = FastSelect(attrs=field.widget.attrs, choices=field.choices)


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
