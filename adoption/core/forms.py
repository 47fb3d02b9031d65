"""Django forms rendered in NHS.UK design-system markup."""

import datetime

from django import forms
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


def in_our_words(form, nouns=None):
    """Give a form's fields messages in the service's words, each naming its field (by its
    label, or its noun in `nouns` where the label is a question), where Django's own would say
    "Ensure this value has at most 4000 characters (it has 55999)". A field's validators raise
    with a code, and the field shows its own message for that code."""
    for name, field in form.fields.items():
        noun = str((nouns or {}).get(name) or field.label or name).replace("%", "%%")
        messages = field.error_messages
        if messages.get("required") == forms.Field.default_error_messages["required"]:
            verb = "Choose" if isinstance(field, forms.ChoiceField) else "Enter"
            messages["required"] = f"{verb} {noun[0].lower()}{noun[1:]}."
        if isinstance(field, forms.DecimalField):
            messages["max_decimal_places"] = (
                f"{noun} can have no more than {field.decimal_places} decimal places"
            )
            messages["max_digits"] = messages["max_whole_digits"] = (
                f"{noun} must be less than {10 ** (field.max_digits - field.decimal_places):,}"
            )
        if getattr(field, "max_length", None):
            messages["max_length"] = f"{noun} must be {field.max_length:,} characters or fewer"


class NhsFormRenderer(TemplatesSetting):
    """Renders every form and field with the templates in templates/includes/forms/."""

    form_template_name = "includes/forms/form.html"
    field_template_name = "includes/forms/field.html"


class FastSelect(forms.Select):
    """A select rendered in Python straight from its choices: the same HTML as Django's,
    without building a context dictionary and a template per option, which matters for a
    filter bar with hundreds of innovations on every dashboard. Option groups are flattened."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option, " selected" if str(option) in chosen else "", label)
                    for option, label in self._flat_choices()
                ),
            ),
        )

    def _flat_choices(self):
        for option, label in self.choices:
            if isinstance(label, list | tuple):  # an option group
                yield from label
            else:
                yield option, label


class SlugOrIdChoiceField(forms.ModelChoiceField):
    """A choice of record by its slug, as the API and the filter bars name it. A numeric id, as
    version 1 of the API and older links gave it, is still taken."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        found = self.queryset.model.find(value, self.queryset)
        if found is None:
            noun = self.queryset.model._meta.verbose_name
            raise forms.ValidationError(
                f"No {noun} has the slug “%(value)s”.",
                code="invalid_choice",
                params={"value": value},
            )
        return found


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
    """A native date picker, for filter bars; the server still validates whatever arrives."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


DATE_PARTS = ("day", "month", "year")


class NhsDateInput(forms.MultiWidget):
    """The NHS.UK date input: day, month and year in three numeric boxes. A single value
    under the field's own name (such as 2026-03-27, from a script or an older page) is read
    too."""

    def __init__(self, attrs=None):
        widths = {"day": 2, "month": 2, "year": 4}
        super().__init__(
            {
                part: forms.TextInput(
                    attrs={
                        "inputmode": "numeric",
                        "class": f"nhsuk-input nhsuk-date-input__input "
                        f"nhsuk-input--width-{widths[part]}",
                    }
                )
                for part in DATE_PARTS
            },
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, str):
            value = parse_date(value)
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        if name in data:
            return data[name]
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_


def parse_date(text, formats=("%Y-%m-%d",)):
    for date_format in formats:
        try:
            return datetime.datetime.strptime(text.strip(), date_format).date()
        except ValueError:
            continue
    return None


def _listed(words):
    return " and ".join(words) if len(words) < 3 else f"{words[0]}, {words[1]} and {words[2]}"


class NhsDateField(forms.DateField):
    """A date typed as day, month and year, with messages that say which part is missing."""

    widget = NhsDateInput
    default_error_messages = {"invalid": "Enter a real date, for example 27 3 2026."}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"])
        super().__init__(**kwargs)

    def to_python(self, value):
        if not isinstance(value, list | tuple):
            return super().to_python(value)
        parts = dict(zip(DATE_PARTS, (str(p or "").strip() for p in value), strict=False))
        if not any(parts.values()):
            return None
        missing = [part for part in DATE_PARTS if not parts.get(part)]
        if missing:
            raise forms.ValidationError(
                "%(label)s must include a %(parts)s",
                code="incomplete",
                params={"label": self.label or "The date", "parts": _listed(missing)},
            )
        if not all(p.isdigit() for p in parts.values()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(parts["year"]) != 4:
            raise forms.ValidationError("Year must include 4 numbers", code="invalid_year")
        try:
            return datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
