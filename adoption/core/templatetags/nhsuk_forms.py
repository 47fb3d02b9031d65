"""Template helpers that put NHS.UK classes and ARIA links on Django's widgets."""

from django import template

register = template.Library()

CHOICE_WIDGETS = {"radioselect", "radioselectwithhints", "checkboxselectmultiple"}
WIDGET_CLASS = {"textarea": "nhsuk-textarea", "select": "nhsuk-select"}


def is_choice_group(field):
    return field.widget_type in CHOICE_WIDGETS


@register.filter
def choice_group(field):
    """True when the field is a set of radios or checkboxes (rendered in a fieldset)."""
    return is_choice_group(field)


@register.filter
def is_radios(field):
    return field.widget_type in {"radioselect", "radioselectwithhints"}


@register.filter
def is_checkbox(field):
    return field.widget_type == "checkbox"


@register.filter
def is_date(field):
    """True when the field is the NHS.UK date input (day, month and year in a fieldset)."""
    return field.widget_type == "nhsdate"


@register.simple_tag
def date_parts(field):
    """The day, month and year boxes of a date input, each as (label, name, id, value)."""
    subwidgets = field.field.widget.get_context(
        field.html_name, field.value(), {"id": field.auto_id}
    )["widget"]["subwidgets"]
    return [
        (label, part["name"], part["attrs"]["id"], part["attrs"]["class"], part["value"])
        for label, part in zip(("Day", "Month", "Year"), subwidgets, strict=True)
    ]


@register.filter
def says_optional(field):
    """True when the label should say "(optional)": the field may be left empty whatever else
    is chosen (a field needed only after some choices sets `says_optional = False`)."""
    return (
        not field.field.required
        and not getattr(field.form, "hide_optional", False)
        and getattr(field.field, "says_optional", True)
    )


@register.filter
def anchor(field):
    """The id an error-summary link should jump to for this field."""
    if is_choice_group(field):
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


@register.filter
def described_by(field):
    ids = []
    if field.help_text or is_date(field):
        ids.append(f"{field.auto_id}-hint")
    if getattr(field.field, "conflict_note", None):
        ids.append(f"{field.auto_id}-conflict")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.simple_tag
def nhs_widget(field):
    """Render the field's widget with the NHS.UK class, its error state and aria-describedby."""
    base = WIDGET_CLASS.get(field.widget_type, "nhsuk-input")
    classes = [base]
    if field.errors:
        classes.append(f"{base}--error")
    extra = field.field.widget.attrs.get("class")
    if extra:
        classes.append(extra)
    attrs = {"class": " ".join(classes)}
    describedby = described_by(field)
    if describedby:
        attrs["aria-describedby"] = describedby
    return field.as_widget(attrs=attrs)
