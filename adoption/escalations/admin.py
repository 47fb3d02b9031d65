"""Escalations in the admin: to read, with their history. Steps are taken on the service's pages
(adoption/escalations/services.py), by the level an escalation is at, never edited here."""

from django.contrib import admin

from adoption.escalations.models import Escalation, EscalationEvent


class EscalationEventInline(admin.TabularInline):
    model = EscalationEvent
    fields = ["at", "by", "kind", "level", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["public_id", "barrier", "level", "icb", "state", "lever", "escalated_on"]
    list_filter = ["state", "level", "lever"]
    list_select_related = [
        "barrier__category",
        "barrier__innovation",
        "barrier__organisation",
        "icb",
    ]
    search_fields = ["public_id", "ask"]
    inlines = [EscalationEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
