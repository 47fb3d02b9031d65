"""The admin: a data-entry tool for every model. Every add, change and delete of adoptions,
barriers and enabler actions goes through the write services, as the pages' do, so the same
rules and upkeep hold whichever door a change comes through."""

from django.contrib import admin
from django.db import transaction
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
    'show all' link, an estimated count for the unfiltered list, and joins fetched up front.
    Deletes go through the model's delete service (`delete_service`), one record at a time."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    delete_service = None  # a function of adoption.barriers.services: (*, by, record)

    def delete_model(self, request, obj):
        self.delete_service(request.user, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(request.user, obj)


def _saved_as(obj, saved):
    """Make the admin's unsaved object the record a service saved, so the admin's messages,
    log entry and redirect name it."""
    for field in type(obj)._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def _changed_fields(form, exclude=()):
    return {
        name: form.cleaned_data[name]
        for name in form.changed_data
        if name in form.cleaned_data and name not in exclude
    }


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
        if not change:
            _saved_as(obj, services.create_adoption(by=request.user, adoption=obj))
            return
        fields = _changed_fields(form, exclude=("stage",))
        if fields:
            services.update_adoption(by=request.user, adoption=obj, fields=fields)
        if "stage" in form.changed_data:
            services.change_stage(by=request.user, adoption=obj, stage=obj.stage)
        obj.refresh_from_db()

    def delete_service(self, by, adoption):
        services.delete_adoption(by=by, adoption=adoption)


ACTION_FIELDS = ["enabler_type", "owner", "started_on", "completed_on", "outcome", "notes"]


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
        fields = (
            _changed_fields(form, exclude=("partners",))
            if change
            else {name: value for name, value in form.cleaned_data.items() if name != "partners"}
        )
        partners = form.cleaned_data.get("partners")
        if change:
            services.update_barrier(
                by=request.user,
                barrier=obj,
                fields=fields,
                partners=partners if "partners" in form.changed_data else None,
                expected_version=None,
            )
            obj.refresh_from_db()
        else:
            saved = services.record_barrier(by=request.user, fields=fields, partners=partners)
            _saved_as(obj, saved)

    def save_related(self, request, form, formsets, change):
        # Partners were saved with the barrier by its service; actions by theirs.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        """Each inline action is recorded, changed or deleted through its service; the lists
        the admin's change message reads are filled as `formset.save()` would."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for action_form in formset.forms:
            action = action_form.instance
            if action.pk and formset.can_delete and formset._should_delete_form(action_form):
                services.delete_enabler_action(by=request.user, action=action)
                formset.deleted_objects.append(action)
            elif not action.pk and action_form.has_changed():
                formset.new_objects.append(
                    services.record_enabler_action(
                        by=request.user, barrier=form.instance, fields=_action_fields(action_form)
                    )
                )
            elif action.pk and action_form.has_changed():
                fields = _changed_fields(action_form)
                services.update_enabler_action(by=request.user, action=action, fields=fields)
                formset.changed_objects.append((action, list(fields)))

    def delete_service(self, by, barrier):
        services.delete_barrier(by=by, barrier=barrier)


def _action_fields(form):
    return {name: form.cleaned_data[name] for name in ACTION_FIELDS}


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

    def save_model(self, request, obj, form, change):
        if change:
            services.update_enabler_action(
                by=request.user, action=obj, fields=_changed_fields(form, exclude=("barrier",))
            )
            obj.refresh_from_db()
        else:
            saved = services.record_enabler_action(
                by=request.user, barrier=form.cleaned_data["barrier"], fields=_action_fields(form)
            )
            _saved_as(obj, saved)

    def delete_service(self, by, action):
        services.delete_enabler_action(by=by, action=action)
