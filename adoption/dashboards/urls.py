from django.urls import path

from adoption.dashboards import views

urlpatterns = [
    path("dashboard/", views.spread, name="dashboard-spread"),
    path(
        "dashboard/spread/<int:innovation>/<str:grouping>/<str:code>/",
        views.stall,
        name="dashboard-stall",
    ),
    path("dashboard/barriers/", views.barriers, name="dashboard-barriers"),
    path("dashboard/savings/", views.savings, name="dashboard-savings"),
    path("dashboard/what-worked/", views.what_worked, name="dashboard-what-worked"),
    path("dashboard/innovations/<int:pk>/", views.innovation, name="dashboard-innovation"),
    path(
        "dashboard/organisations/<str:ods_code>/",
        views.organisation,
        name="dashboard-organisation",
    ),
]
