from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Deterministic demo data (`manage.py seed_demo`). It sits above every other app and no
    other app imports it."""

    name = "adoption.demo"
    label = "demo"
    verbose_name = "Demo data"
