from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from adoption.accounts.models import Membership

User = get_user_model()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]
    search_fields = [
        "user__username",
        "user__email",
        "organisation__name",
        "=organisation__ods_code",
    ]
    autocomplete_fields = ["user", "organisation"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


admin.site.unregister(User)


@admin.register(User)
class SpreadwatchUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, MembershipInline]
