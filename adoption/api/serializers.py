"""How records look in the API, as an analyst's data frame wants them: related records named by
the codes people use for them (organisations by ODS code; innovations, pathways, barrier
categories and enablers by slug; barriers and actions by public id), money and counts as JSON
numbers, dates as ISO 8601 strings, and null where nothing is recorded."""

from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers

from adoption.barriers.models import Adoption, Barrier, EnablerAction
from adoption.dashboards import pages
from adoption.dashboards.aggregates import GROUPING_LABELS
from adoption.dashboards.tables import KINDS, Compared, EachGroup
from adoption.registry.models import Innovation, Organisation, Pathway, PathwayStep


def ods_code(**kwargs):
    return serializers.SlugRelatedField(slug_field="ods_code", read_only=True, **kwargs)


def slug(**kwargs):
    return serializers.SlugRelatedField(slug_field="slug", read_only=True, **kwargs)


class OrganisationSerializer(serializers.ModelSerializer):
    region = ods_code(allow_null=True, help_text="Null for a region itself.")
    icb = ods_code(
        allow_null=True,
        help_text="The ICB this organisation's records count under; null for a region.",
    )
    parent = ods_code(allow_null=True)
    rolls_up_to = ods_code(
        allow_null=True, help_text="For a closed organisation, the one that took it over."
    )

    class Meta:
        model = Organisation
        fields = [
            "ods_code",
            "name",
            "org_type",
            "region",
            "icb",
            "parent",
            "opened_on",
            "closed_on",
            "rolls_up_to",
            "is_active",
        ]


class PathwayStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = PathwayStep
        fields = ["position", "name", "org_type"]


class PathwaySerializer(serializers.ModelSerializer):
    steps = PathwayStepSerializer(many=True, read_only=True)

    class Meta:
        model = Pathway
        fields = ["slug", "name", "description", "steps"]


class InnovationSerializer(serializers.ModelSerializer):
    pathways = slug(many=True)

    class Meta:
        model = Innovation
        fields = [
            "slug",
            "name",
            "category",
            "description",
            "evidence_reference",
            "national_programme",
            "adopter_types",
            "pathways",
        ]


class AdoptionSerializer(serializers.ModelSerializer):
    innovation = slug()
    organisation = ods_code()
    stalled = serializers.SerializerMethodField(
        help_text="Not yet embedded and no stage change for the stall period."
    )

    class Meta:
        model = Adoption
        fields = [
            "innovation",
            "organisation",
            "stage",
            "stage_changed_on",
            "stalled",
            "route",
            "no_barrier_confirmed_on",
            "version",
            "updated_at",
        ]

    def get_stalled(self, adoption) -> bool:
        return adoption.is_stalled()


def public_id(source="public_id"):
    """Barriers and actions are known by their random public ids, never their keys."""
    return serializers.CharField(source=source, read_only=True)


class BarrierSerializer(serializers.ModelSerializer):
    id = public_id()
    innovation = slug()
    organisation = ods_code()
    pathway = slug(allow_null=True)
    category = slug()
    partners = ods_code(many=True)
    savings_organisation = ods_code(allow_null=True)

    class Meta:
        model = Barrier
        fields = [
            "id",
            "innovation",
            "organisation",
            "pathway",
            "category",
            "severity",
            "status",
            "identified_on",
            "resolved_on",
            "description",
            "partners",
            "savings_organisation",
            "cost_borne_gbp",
            "savings_elsewhere_gbp",
            "complexity",
            "next_review_on",
            "is_confidential",
            "version",
            "created_at",
            "updated_at",
        ]


class EnablerActionSerializer(serializers.ModelSerializer):
    id = public_id()
    barrier = public_id("barrier_public_id")
    innovation = slug()
    organisation = ods_code()
    enabler_type = slug()

    class Meta:
        model = EnablerAction
        fields = [
            "id",
            "barrier",
            "innovation",
            "organisation",
            "enabler_type",
            "owner",
            "started_on",
            "completed_on",
            "outcome",
            "notes",
            "version",
            "updated_at",
        ]


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The row's property holding this column.")
    label = serializers.CharField(help_text="The column's heading, as on the page and in CSV.")
    kind = serializers.ChoiceField(
        choices=KINDS,
        help_text="pct is a fraction from 0 to 1; gbp is pounds a year.",
    )
    missing = serializers.CharField(
        allow_null=True,
        help_text="What an empty (null) value in this column means, where it means more than "
        "no data: e.g. 'Not reached' for a median that fewer than half have reached.",
    )


class TableSerializer(serializers.Serializer):
    name = serializers.CharField()
    caption = serializers.CharField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField(), read_only=True)

    def to_representation(self, table):
        keys = [column.key for column in table.columns]
        return {
            "name": table.name,
            "caption": table.caption,
            "columns": [vars(column) for column in table.columns],
            "rows": [{key: row.get(key) for key in keys} for row in table.rows],
        }


class DashboardSerializer(serializers.Serializer):
    title = serializers.CharField()
    tables = TableSerializer(many=True)


# --- the schema of each dashboard: its tables and their columns, from their declarations -------

KIND_SCHEMAS = {
    "text": {"type": "string", "nullable": True},
    "int": {"type": "integer"},
    "pct": {"type": "number", "format": "double", "nullable": True, "minimum": 0, "maximum": 1},
    "gbp": {"type": "number", "format": "double", "nullable": True},
    "days": {"type": "number", "format": "double", "nullable": True},
    "number": {"type": "number", "format": "double", "nullable": True},
}
KIND_DESCRIPTIONS = {
    "pct": "A fraction from 0 to 1.",
    "gbp": "Pounds a year.",
    "days": "Days.",
}


def _camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


def _row_schema(layout):
    """A row of a declared table: a property per column, named by its key and titled with its
    label; the compared group by the way of comparing; one property per group compared."""
    properties, required, extra = {}, [], None
    for column in layout.columns:
        if isinstance(column, Compared):
            for grouping, label in GROUPING_LABELS.items():
                properties[grouping] = {
                    "type": "string",
                    "title": label,
                    "description": f"The group's name, when compared with group_by={grouping}.",
                }
        elif isinstance(column, EachGroup):
            extra = {
                **KIND_SCHEMAS[column.kind],
                "description": "One column per group compared, keyed by its code (an ODS "
                "code, or an organisation type) and labelled with its name.",
            }
        else:
            described = [KIND_DESCRIPTIONS.get(column.kind)]
            if column.missing:
                described.append(f"Null: {column.missing.lower()}.")
            properties[column.key] = {
                **KIND_SCHEMAS[column.kind],
                "title": column.label,
                **({"description": " ".join(filter(None, described))} if any(described) else {}),
            }
            required.append(column.key)
    schema = {"type": "object", "properties": properties, "required": required}
    if extra is not None:
        schema["additionalProperties"] = extra
    return schema


def _table_serializer(page, layout):
    name = f"{_camel(page)}{_camel(layout.name)}"
    row = extend_schema_field(_row_schema(layout), component_name=f"{name}Row")(
        type(f"{name}Row", (serializers.DictField,), {})
    )
    return inline_serializer(
        f"{name}Table",
        {
            "name": serializers.ChoiceField(choices=[layout.name]),
            "caption": serializers.CharField(),
            "columns": ColumnSerializer(many=True),
            "rows": serializers.ListField(child=row()),
        },
    )


def dashboard_serializer(page):
    """The response of one dashboard endpoint, for its schema: its tables (`pages.LAYOUTS`),
    each told apart by its name and described column by column."""
    tables = {layout.name: _table_serializer(page, layout) for layout in pages.LAYOUTS[page]}
    return inline_serializer(
        f"{_camel(page)}Dashboard",
        {
            "title": serializers.CharField(),
            "tables": PolymorphicProxySerializer(
                component_name=f"{_camel(page)}DashboardTable",
                serializers=tables,
                resource_type_field_name="name",
                many=True,
            ),
        },
    )
