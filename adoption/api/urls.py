from django.urls import include, path, register_converter
from django.urls.converters import StringConverter
from rest_framework.routers import DefaultRouter

from adoption.api import views


class OdsCodeConverter(StringConverter):
    """An ODS code in either case, as the organisations list takes it."""

    regex = views.OrganisationViewSet.lookup_value_regex


register_converter(OdsCodeConverter, "ods")

router = DefaultRouter()
router.include_format_suffixes = False  # JSON only
router.APIRootView = views.ApiRoot
router.register("organisations", views.OrganisationViewSet)
router.register("innovations", views.InnovationViewSet)
router.register("pathways", views.PathwayViewSet)
router.register("adoptions", views.AdoptionViewSet)
router.register("barriers", views.BarrierViewSet, basename="barrier")
router.register("enabler-actions", views.EnablerActionViewSet, basename="enableraction")

dashboards = [
    path("spread/", views.SpreadDashboard.as_view(), name="api-dashboard-spread"),
    path("barriers/", views.BarriersDashboard.as_view(), name="api-dashboard-barriers"),
    path("savings/", views.SavingsDashboard.as_view(), name="api-dashboard-savings"),
    path("what-worked/", views.WhatWorkedDashboard.as_view(), name="api-dashboard-what-worked"),
    path(
        "innovations/<slug:slug>/",
        views.InnovationDashboard.as_view(),
        name="api-dashboard-innovation",
    ),
    path(
        "organisations/<ods:ods_code>/",
        views.OrganisationDashboard.as_view(),
        name="api-dashboard-organisation",
    ),
]

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/dashboards/", include(dashboards)),
    path("schema/", views.Schema.as_view(), name="api-schema"),
    path("docs/", views.ApiDocs.as_view(), name="api-docs"),
]
