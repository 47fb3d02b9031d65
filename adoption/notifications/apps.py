from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "adoption.notifications"
    label = "notifications"
    verbose_name = "Notifications"
