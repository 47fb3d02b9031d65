"""Innovations and pathways as spreadsheets: the admin's import (with a preview of every
change and every invalid cell) and export, through django-import-export.

Innovations are matched by name. `adopter_types` and `pathways` are lists separated by `;`.
A pathway's `steps` are `Step name (organisation type)` separated by `;`, in order."""

import re

from import_export import fields, resources, widgets

from adoption.registry.models import Innovation, OrganisationType, Pathway, PathwayStep

STEP = re.compile(r"^\s*(?P<name>.+?)\s*\((?P<org_type>[a-z_]+)\)\s*$")


def split(value):
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


class AdopterTypesWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        types = split(value)
        unknown = [t for t in types if t not in OrganisationType.values]
        if unknown:
            raise ValueError(
                f"Unknown organisation type {', '.join(unknown)}; use "
                f"{', '.join(OrganisationType.values)}."
            )
        return types

    def render(self, value, obj=None, **kwargs):
        return ";".join(value or [])


class PathwayNamesWidget(widgets.ManyToManyWidget):
    """Pathways by name; a name that matches no pathway is an error, not silently dropped."""

    def __init__(self):
        super().__init__(Pathway, separator=";", field="name")

    def clean(self, value, row=None, **kwargs):
        names = split(value)
        found = list(Pathway.objects.filter(name__in=names))
        missing = sorted(set(names) - {p.name for p in found})
        if missing:
            raise ValueError(f"No pathway is called {', '.join(missing)}.")
        return found


class StepsWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        steps = []
        for part in split(value):
            match = STEP.match(part)
            if not match:
                raise ValueError(
                    f"“{part}” is not a step: write it as Step name (organisation_type)."
                )
            if match["org_type"] not in OrganisationType.values:
                raise ValueError(f"“{match['org_type']}” is not an organisation type.")
            steps.append((match["name"], match["org_type"]))
        if not steps:
            raise ValueError("A pathway needs at least one step.")
        return steps


class AllOrNothingResource(resources.ModelResource):
    """Checks the whole file first and imports only when every row is valid."""

    def import_data(self, dataset, dry_run=False, **kwargs):
        checked = super().import_data(dataset, dry_run=True, **kwargs)
        if dry_run or checked.has_errors() or checked.has_validation_errors():
            return checked
        return super().import_data(dataset, dry_run=False, **kwargs)


class InnovationResource(AllOrNothingResource):
    adopter_types = fields.Field(
        attribute="adopter_types", column_name="adopter_types", widget=AdopterTypesWidget()
    )
    pathways = fields.Field(
        attribute="pathways", column_name="pathways", widget=PathwayNamesWidget()
    )

    class Meta:
        model = Innovation
        import_id_fields = ["name"]
        fields = [
            "name",
            "category",
            "description",
            "evidence_reference",
            "national_programme",
            "adopter_types",
            "pathways",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class PathwayResource(AllOrNothingResource):
    steps = fields.Field(attribute="pending_steps", column_name="steps", widget=StepsWidget())

    class Meta:
        model = Pathway
        import_id_fields = ["name"]
        fields = ["name", "description", "steps"]
        export_order = fields
        clean_model_instances = True

    def dehydrate_steps(self, pathway):
        return "; ".join(
            f"{step.name} ({step.org_type})" for step in pathway.steps.order_by("position")
        )

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        steps = getattr(instance, "pending_steps", None)
        if steps is None:
            return
        instance.steps.all().delete()
        PathwayStep.objects.bulk_create(
            PathwayStep(pathway=instance, position=position, name=name, org_type=org_type)
            for position, (name, org_type) in enumerate(steps, start=1)
        )
