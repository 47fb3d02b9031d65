from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Staff who maintain reference data, taxonomies, users and memberships in the admin without
# being superusers. Permissions exist only after migrations, so the group is kept in step by a
# post_migrate handler rather than a data migration.
REFERENCE_ADMIN_GROUP = "Reference data administrators"
REFERENCE_ADMIN_MODELS = {
    "registry": ["organisation", "innovation", "pathway", "pathwaystep"],
    "barriers": ["barriercategory", "enablertype"],
    "accounts": ["membership"],
    "auth": ["user"],
}


def ensure_reference_admin_group(**kwargs):
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=REFERENCE_ADMIN_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label__in=list(REFERENCE_ADMIN_MODELS),
        content_type__model__in=[m for models in REFERENCE_ADMIN_MODELS.values() for m in models],
    )
    group.permissions.add(*permissions)


class AccountsConfig(AppConfig):
    name = "adoption.accounts"
    label = "accounts"
    verbose_name = "Accounts and memberships"

    def ready(self):
        # After every app's migrations, not only this one's: an app listed after this one (such
        # as barriers) has its permissions created by its own post_migrate.
        post_migrate.connect(ensure_reference_admin_group, dispatch_uid=REFERENCE_ADMIN_GROUP)
