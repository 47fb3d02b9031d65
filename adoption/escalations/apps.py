from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "adoption.escalations"
    label = "escalations"
    verbose_name = "Escalations"
