from django.urls import path

from adoption.barriers import urls as barrier_urls  # noqa: F401  (registers <public_id:…>)
from adoption.escalations import views

urlpatterns = [
    path("escalations/", views.queue, name="escalation-queue"),
    path("escalations/asks/", views.asks, name="escalation-asks"),
    path("escalations/<public_id:public_id>/", views.detail, name="escalation-detail"),
    path("escalations/<public_id:public_id>/step/", views.step, name="escalation-step"),
    path("barriers/<public_id:public_id>/escalate/", views.escalate, name="barrier-escalate"),
]
