"""Saving an edit again after someone else saved first: a three-way merge.

The version the editor opened (base, from the record's history), what they posted (mine) and
what is saved now (theirs) give, field by field: what the editor did not change stays as it is
now; what only the editor changed takes their value; where both changed one field to different
values, the form keeps the value saved now and shows the editor's beside it to choose from.
"""

from dataclasses import dataclass, field

from django.db import models


@dataclass
class Merge:
    values: dict  # what the re-offered form holds, by field name
    conflicts: dict = field(default_factory=dict)  # name -> (mine, theirs)


def comparable(value):
    """A value as the form and the database both see it: records by key, empty as None."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return frozenset(comparable(v) for v in value)
    if value in ("", None):
        return None
    return value


def merge(names, *, base, mine, theirs):
    """Merge `mine` into `theirs` from `base` (None when the opened version is not known: then
    every field the editor has differently from now is for them to choose)."""
    result = Merge(values={})
    for name in names:
        m, t = comparable(mine.get(name)), comparable(theirs.get(name))
        b = comparable(base.get(name)) if base is not None else object()
        if m in (b, t):
            result.values[name] = theirs.get(name)
        elif t == b:
            result.values[name] = mine.get(name)
        else:
            result.values[name] = theirs.get(name)
            result.conflicts[name] = (mine.get(name), theirs.get(name))
    return result


def _values(record, names, model):
    """The named fields of a record or a historical record of `model`, as stored."""
    values = {}
    for name in names:
        model_field = model._meta.get_field(name)
        if model_field.many_to_many:
            # A live record lists the related records; a historical one its through rows.
            key = "pk" if isinstance(record, model) else model_field.m2m_reverse_name()
            values[name] = list(getattr(record, name).values_list(key, flat=True))
        else:
            values[name] = getattr(record, model_field.attname)
    return values


def _version(instance, version):
    return instance.history.filter(version=version).order_by("-history_id").first()


def record_values(instance, names, *, version=None):
    """A record's named fields now, or as saved at `version` (None if that version is not in
    its history); names it has no field for, such as a stage change's note, are empty."""
    model = type(instance)
    model_names = [n for n in names if n in _field_names(model)]
    record = instance if version is None else _version(instance, version)
    if record is None:
        return None
    return dict.fromkeys(names) | _values(record, model_names, model)


def _field_names(model):
    return {f.name for f in model._meta.get_fields() if not f.auto_created or f.concrete}


def shown(form_field, value):
    """A value as the person chose it in the form, in words."""
    if comparable(value) is None:
        return "nothing"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if hasattr(value, "strftime"):
        return f"{value:%-d %B %Y}"
    if not isinstance(value, models.Model) and getattr(form_field, "choices", None):
        return {str(k): v for k, v in form_field.choices}.get(str(value), str(value))
    return str(value)


def reoffer(form_class, merged, *, mine_form, version, **form_kwargs):
    """The form offered after a conflict: the merged values at the version saved now, each
    field both editors changed carrying the editor's own value beside the one saved now."""
    form = form_class(initial=merged.values | {"version": version}, **form_kwargs)
    for name, (mine, _) in merged.conflicts.items():
        form.fields[name].conflict_note = shown(mine_form.fields[name], mine)
    return form
