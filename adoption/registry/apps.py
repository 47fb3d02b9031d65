from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "adoption.registry"
    label = "registry"
    verbose_name = "Reference data"

    def ready(self):
        from adoption.registry import signals  # noqa: F401
