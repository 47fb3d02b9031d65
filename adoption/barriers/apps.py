from django.apps import AppConfig


class BarriersConfig(AppConfig):
    name = "adoption.barriers"
    label = "barriers"
    verbose_name = "Adoption and barriers"
