"""Notifications in the admin: what people follow, to read. People manage their own follows on
/notifications/."""

from django.contrib import admin

from adoption.notifications.models import Follow


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "innovation", "organisation", "page", "query", "checked_at"]
    list_select_related = ["user", "innovation", "organisation"]
    search_fields = ["user__username", "innovation__name", "organisation__ods_code", "query"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
