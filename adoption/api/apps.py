from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "adoption.api"
    verbose_name = "API"
