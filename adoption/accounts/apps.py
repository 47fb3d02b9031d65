from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "adoption.accounts"
    label = "accounts"
    verbose_name = "Accounts and memberships"
