from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "adoption.core"
    label = "core"
    verbose_name = "Spreadwatch"
