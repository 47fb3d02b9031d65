from django.urls import path

from adoption.notifications import views

urlpatterns = [
    path("notifications/", views.manage, name="notifications"),
    path("notifications/emails/", views.emails, name="notifications-emails"),
    path("notifications/<int:pk>/remove/", views.remove, name="notifications-remove"),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="notifications-unsubscribe",
    ),
]
