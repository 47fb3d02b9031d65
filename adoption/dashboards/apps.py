from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "adoption.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self):
        # Importing these connects their signal receivers.
        from adoption.dashboards import cache, rollups, sql, tallies  # noqa: F401

        cache.connect_signals()
