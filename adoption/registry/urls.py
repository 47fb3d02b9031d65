from django.urls import path

from adoption.registry import views

urlpatterns = [
    path("organisations/", views.organisation_search, name="organisation-search"),
]
