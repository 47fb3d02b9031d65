from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.models import AuthToken

from adoption.accounts.models import Membership
from adoption.accounts.policy import access_for
from adoption.accounts.throttle import ThrottledAdminAuthenticationForm

User = get_user_model()

# The admin's sign-in is throttled as the service's own is.
admin.site.login_form = ThrottledAdminAuthenticationForm

# The user form's fields that grant access beyond a membership.
PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


class GrantsWhatPolicyAllows:
    """Membership pages list, offer and accept only the accounts and roles the signed-in user
    may grant: a forged choice fails validation like any other invalid one."""

    def get_queryset(self, request):
        return access_for(request).administrable_memberships(super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = access_for(request).administrable_users(User.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            access = access_for(request)
            kwargs["choices"] = [
                (value, label)
                for value, label in db_field.get_choices()
                if not value or access.may_grant_role(value)
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(Membership)
class MembershipAdmin(GrantsWhatPolicyAllows, admin.ModelAdmin):
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


class MembershipInlineForm(forms.ModelForm):
    """Django leaves an inline's foreign key out of constraint checks, so a row repeating a
    stored membership would reach the database; this checks it as a form error instead."""

    def validate_unique(self):
        super().validate_unique()
        try:
            self.instance.validate_constraints(exclude=self._get_validation_exclusions())
        except ValidationError as error:
            self._update_errors(error)


class MembershipInline(GrantsWhatPolicyAllows, admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    extra = 0
    autocomplete_fields = ["organisation"]


admin.site.unregister(User)


@admin.register(User)
class SpreadwatchUserAdmin(UserAdmin):
    """Every page of one account (change, password, history, delete), bulk actions and the
    user lookups find it through get_queryset, so an account the signed-in user may not
    administer answers as if it did not exist."""

    inlines = [*UserAdmin.inlines, MembershipInline]

    def get_queryset(self, request):
        return access_for(request).administrable_users(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if access_for(request).may_grant_privileges:
            return readonly
        return [*readonly, *PRIVILEGE_FIELDS]


class ApiTokenAdmin(KnoxAuthTokenAdmin):
    """Superusers see and delete API tokens, never their secrets. Tokens are created only by
    their own users on their account page, so no secret ever passes through another person or
    a message stored in the session."""

    def has_add_permission(self, request):
        return False


admin.site.unregister(AuthToken)
admin.site.register(AuthToken, ApiTokenAdmin)
