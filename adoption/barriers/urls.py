from django.urls import path

from adoption.barriers import views

urlpatterns = [
    path("barriers/", views.barrier_register, name="barrier-register"),
    path("barriers/new/", views.barrier_create, name="barrier-create"),
    path("barriers/export.csv", views.barrier_export, name="barrier-export"),
    path("adoptions/export.csv", views.adoption_export, name="adoption-export"),
    path("barriers/<int:pk>/", views.barrier_detail, name="barrier-detail"),
    path("barriers/<int:pk>/edit/", views.barrier_edit, name="barrier-edit"),
    path("barriers/<int:pk>/status/", views.barrier_status, name="barrier-status"),
    path("barriers/<int:pk>/actions/new/", views.action_create, name="action-create"),
    path("adoptions/<int:pk>/", views.adoption_detail, name="adoption-detail"),
    path("adoptions/<int:pk>/no-barrier/", views.adoption_no_barrier, name="adoption-no-barrier"),
]
