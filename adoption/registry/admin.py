import base64
import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from import_export.admin import ImportExportModelAdmin

from adoption.registry.models import (
    Innovation,
    Organisation,
    OrganisationType,
    Pathway,
    PathwayStep,
)
from adoption.registry.ods_import import apply_import, plan_import
from adoption.registry.resources import InnovationResource, PathwayResource
from adoption.registry.services import (
    places_changing,
    refresh_icb_rollups,
    save_organisation,
)


class OdsImportForm(forms.Form):
    file = forms.FileField(
        label="ODS CSV file",
        help_text="No header, 27 columns, as NHS ODS publishes them (for example etr.csv).",
    )
    org_type = forms.ChoiceField(
        label="Kind of organisation",
        choices=[("", "From each code's shape"), *OrganisationType.choices],
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is over 20 MB: import it with the command.")
        return upload


MAX_IMPORT_BYTES = 20 * 1024 * 1024
SESSION_KEY = "ods-import"


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    change_list_template = "admin/registry/organisation/change_list.html"
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

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="registry_organisation_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload an ODS file, preview what would change, confirm: the same checks and writes
        as `manage.py import_organisations`."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        status = 200
        if request.method == "POST" and "confirm" in request.POST:
            stored = request.session.pop(SESSION_KEY, None)
            if not stored or stored["token"] != request.POST.get("token"):
                messages.error(request, "That preview has expired: upload the file again.")
                return redirect("admin:registry_organisation_import")
            plan = plan_import(base64.b64decode(stored["data"]), org_type=stored["type"] or None)
            if plan.ok:
                apply_import(plan)
                messages.success(request, f"Imported {stored['name']}: {plan.summary()}.")
                return redirect("admin:registry_organisation_changelist")
            context |= {"plan": plan, "form": OdsImportForm()}
            status = 400
        elif request.method == "POST":
            form = OdsImportForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data["file"].read()
                plan = plan_import(data, org_type=form.cleaned_data["org_type"] or None)
                context |= {
                    "plan": plan,
                    "form": form,
                    "file_name": form.cleaned_data["file"].name,
                }
                if plan.ok:
                    token = secrets.token_urlsafe(16)
                    request.session[SESSION_KEY] = {
                        "token": token,
                        "data": base64.b64encode(data).decode(),
                        "type": form.cleaned_data["org_type"],
                        "name": form.cleaned_data["file"].name,
                    }
                    context["token"] = token
                    context["preview"] = plan.rows[:100]
                else:
                    status = 400
            else:
                context["form"] = form
                status = 400
        else:
            context["form"] = OdsImportForm()
        return TemplateResponse(
            request, "admin/registry/organisation/import.html", context, status=status
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # One unit of work for the organisation and its successors: a move is recounted once.
        with places_changing():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        save_organisation(by=request.user, organisation=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # New successors change which ICB records roll up to.
        refresh_icb_rollups()


class PathwayStepInline(admin.TabularInline):
    model = PathwayStep
    extra = 1
    ordering = ["position"]


@admin.register(Pathway)
class PathwayAdmin(ImportExportModelAdmin):
    resource_classes = [PathwayResource]
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
            "slug",
            "category",
            "description",
            "evidence_reference",
            "national_programme",
            "pathways",
            "adopter_types",
        ]


@admin.register(Innovation)
class InnovationAdmin(ImportExportModelAdmin):
    resource_classes = [InnovationResource]
    form = InnovationAdminForm
    list_display = ["name", "category", "national_programme", "evidence_reference"]
    list_filter = ["category", "national_programme"]
    search_fields = ["name", "evidence_reference", "national_programme"]
    autocomplete_fields = ["pathways"]
