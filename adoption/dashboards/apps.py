from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "adoption.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self):
        from adoption.dashboards import sql  # noqa: F401  (registers SQLite functions)
