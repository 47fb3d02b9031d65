"""How records look in the API. Related records are named by the code people use for them:
organisations by ODS code, taxonomies by slug, innovations and pathways by id."""

from rest_framework import serializers

from adoption.barriers.models import Adoption, Barrier, EnablerAction
from adoption.registry.models import Innovation, Organisation, Pathway, PathwayStep


def ods_code(**kwargs):
    return serializers.SlugRelatedField(slug_field="ods_code", read_only=True, **kwargs)


class OrganisationSerializer(serializers.ModelSerializer):
    region = ods_code()
    icb = ods_code(help_text="The ICB this organisation's records count under.")
    parent = ods_code()
    rolls_up_to = ods_code(help_text="For a closed organisation, the one that took it over.")

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
        fields = ["id", "name", "description", "steps"]


class InnovationSerializer(serializers.ModelSerializer):
    pathways = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Innovation
        fields = [
            "id",
            "name",
            "category",
            "description",
            "evidence_reference",
            "national_programme",
            "adopter_types",
            "pathways",
        ]


class AdoptionSerializer(serializers.ModelSerializer):
    organisation = ods_code()
    stalled = serializers.SerializerMethodField(
        help_text="Not yet embedded and no stage change for the stall period."
    )

    class Meta:
        model = Adoption
        fields = [
            "id",
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
    organisation = ods_code()
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    partners = ods_code(many=True)
    savings_organisation = ods_code()

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
    enabler_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = EnablerAction
        fields = [
            "id",
            "barrier",
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
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["text", "int", "pct", "gbp", "days"],
        help_text="pct is a fraction from 0 to 1; gbp is pounds a year.",
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
