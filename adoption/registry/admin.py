from django import forms
from django.contrib import admin
from django.db.models import Count

from adoption.registry.models import (
    Innovation,
    Organisation,
    OrganisationType,
    Pathway,
    PathwayStep,
)
from adoption.registry.services import refresh_icb_rollups
from adoption.registry.signals import places_changed


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["ods_code", "name", "org_type", "region", "icb", "closed_on", "is_active"]
    list_filter = ["org_type", "is_active", ("region", admin.RelatedFieldListFilter)]
    list_select_related = ["region", "icb"]
    search_fields = ["ods_code", "name"]
    ordering = ["name"]
    autocomplete_fields = ["region", "parent", "successors", "rolls_up_to"]
    readonly_fields = ["icb", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["ods_code", "name", "org_type", "is_active"]}),
        ("Place in the NHS", {"fields": ["region", "parent", "icb"]}),
        (
            "Opening, closure and mergers",
            {"fields": ["opened_on", "closed_on", "successors", "rolls_up_to"]},
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A new parent, closure or successor changes which ICB records roll up to; a new region
        # or type changes where its records are counted.
        refresh_icb_rollups()
        places_changed.send(sender=Organisation)


class PathwayStepInline(admin.TabularInline):
    model = PathwayStep
    extra = 1
    ordering = ["position"]


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["name", "step_count"]
    search_fields = ["name"]
    inlines = [PathwayStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(step_count=Count("steps"))

    @admin.display(description="steps", ordering="step_count")
    def step_count(self, obj):
        return obj.step_count


class InnovationAdminForm(forms.ModelForm):
    adopter_types = forms.MultipleChoiceField(
        choices=OrganisationType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The organisation types that adopt this innovation.",
    )

    class Meta:
        model = Innovation
        fields = [
            "name",
            "category",
            "description",
            "evidence_reference",
            "national_programme",
            "pathways",
            "adopter_types",
        ]


@admin.register(Innovation)
class InnovationAdmin(admin.ModelAdmin):
    form = InnovationAdminForm
    list_display = ["name", "category", "national_programme", "evidence_reference"]
    list_filter = ["category", "national_programme"]
    search_fields = ["name", "evidence_reference", "national_programme"]
    autocomplete_fields = ["pathways"]
