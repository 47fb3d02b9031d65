from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from adoption.barriers import services
from adoption.barriers.models import (
    Adoption,
    Barrier,
    BarrierCategory,
    EnablerAction,
    EnablerType,
    StageChange,
)
from adoption.core.pagination import EstimatedCountPaginator


class LargeTableAdmin(SimpleHistoryAdmin):
    """Changelist settings for tables that reach a million rows: no full COUNT for the
    'show all' link, an estimated count for the unfiltered list, and joins fetched up front."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50


@admin.register(BarrierCategory)
class BarrierCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "nasss_domain", "sort_order"]
    list_editable = ["sort_order"]
    list_filter = ["nasss_domain"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(EnablerType)
class EnablerTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    fields = ["changed_on", "from_stage", "to_stage", "changed_by", "note"]
    readonly_fields = fields
    ordering = ["-changed_on", "-id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


@admin.register(Adoption)
class AdoptionAdmin(LargeTableAdmin):
    list_display = ["innovation", "organisation", "stage", "stage_changed_on", "route"]
    list_filter = [
        "stage",
        "route",
        "innovation__category",
        ("organisation__region", admin.RelatedFieldListFilter),
        "organisation__org_type",
    ]
    list_select_related = ["innovation", "organisation"]
    search_fields = ["innovation__name", "organisation__name", "=organisation__ods_code"]
    autocomplete_fields = ["innovation", "organisation"]
    readonly_fields = ["stage_changed_on", "version", "created_at", "updated_at"]
    date_hierarchy = "stage_changed_on"
    inlines = [StageChangeInline]

    def save_model(self, request, obj, form, change):
        """Stage changes go through the service so the stage history is always written."""
        if not change:
            services.create_adoption(by=request.user, adoption=obj)
            return
        new_stage = obj.stage
        if "stage" in form.changed_data:
            obj.stage = form.initial["stage"]
        obj.version += 1
        super().save_model(request, obj, form, change)
        if new_stage != obj.stage:
            services.change_stage(by=request.user, adoption=obj, stage=new_stage)


class EnablerActionInline(admin.StackedInline):
    model = EnablerAction
    extra = 0
    fields = [("enabler_type", "owner"), ("started_on", "completed_on"), "outcome", "notes"]


@admin.register(Barrier)
class BarrierAdmin(LargeTableAdmin):
    list_display = [
        "id",
        "category",
        "innovation",
        "organisation",
        "severity",
        "status",
        "identified_on",
        "next_review_on",
        "is_confidential",
    ]
    list_filter = [
        "status",
        "severity",
        "category",
        "is_confidential",
        "complexity",
        ("organisation__region", admin.RelatedFieldListFilter),
        "innovation__category",
    ]
    list_select_related = ["category", "innovation", "organisation"]
    # Exact matches only: each is an index look-up, even over a million barriers.
    search_fields = ["=id", "=organisation__ods_code"]
    autocomplete_fields = [
        "innovation",
        "organisation",
        "pathway",
        "partners",
        "savings_organisation",
    ]
    readonly_fields = ["reported_by", "version", "created_at", "updated_at"]
    date_hierarchy = "identified_on"
    inlines = [EnablerActionInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "innovation",
                    "organisation",
                    "pathway",
                    "category",
                    "severity",
                    "status",
                ]
            },
        ),
        ("Dates", {"fields": ["identified_on", "resolved_on", "next_review_on"]}),
        ("Detail", {"fields": ["description", "complexity", "is_confidential"]}),
        (
            "Who else is involved",
            {
                "fields": [
                    "partners",
                    "savings_organisation",
                    "cost_borne_gbp",
                    "savings_elsewhere_gbp",
                ]
            },
        ),
        (
            "Record",
            {
                "fields": ["reported_by", "version", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.reported_by = request.user
        else:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(EnablerAction)
class EnablerActionAdmin(LargeTableAdmin):
    list_display = [
        "id",
        "enabler_type",
        "barrier",
        "owner",
        "started_on",
        "completed_on",
        "outcome",
    ]
    list_filter = ["enabler_type", "outcome"]
    list_select_related = [
        "enabler_type",
        "barrier__category",
        "barrier__innovation",
        "barrier__organisation",
    ]
    search_fields = ["=barrier__id", "owner"]
    autocomplete_fields = ["barrier"]
    date_hierarchy = "started_on"
