from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "adoption.registry"
    label = "registry"
    verbose_name = "Reference data"
