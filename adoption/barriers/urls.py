from django.urls import path, register_converter

from adoption.barriers import views
from adoption.barriers.models import PUBLIC_ID_PATTERN


class PublicIdConverter:
    regex = PUBLIC_ID_PATTERN

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(PublicIdConverter, "public_id")

urlpatterns = [
    path("barriers/", views.barrier_register, name="barrier-register"),
    path("barriers/new/", views.barrier_create, name="barrier-create"),
    path("barriers/export.csv", views.barrier_export, name="barrier-export"),
    path("adoptions/export.csv", views.adoption_export, name="adoption-export"),
    path("barriers/<public_id:public_id>/", views.barrier_detail, name="barrier-detail"),
    path("barriers/<public_id:public_id>/edit/", views.barrier_edit, name="barrier-edit"),
    path("barriers/<public_id:public_id>/status/", views.barrier_status, name="barrier-status"),
    path("barriers/<public_id:public_id>/actions/new/", views.action_create, name="action-create"),
    path(
        "barriers/<public_id:public_id>/actions/<public_id:action_id>/edit/",
        views.action_edit,
        name="action-edit",
    ),
    path("adoptions/new/", views.adoption_create, name="adoption-create"),
    path("adoptions/<int:pk>/", views.adoption_detail, name="adoption-detail"),
    path("adoptions/<int:pk>/no-barrier/", views.adoption_no_barrier, name="adoption-no-barrier"),
]
