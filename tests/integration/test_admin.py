"""Every admin page a data-entry administrator uses renders with data present."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from knox.models import AuthToken

from adoption.escalations.models import Escalation
from adoption.notifications.models import Follow

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", "--as-of", "2026-11-01", "--password", "pw", verbosity=0)
        # API tokens are created by their users, never seeded.
        AuthToken.objects.create(get_user_model().objects.get(username="national"))
    yield
    with django_db_blocker.unblock():
        from adoption.demo.demo_data import clear_domain_data

        clear_domain_data()


@pytest.fixture
def signed_in_admin(client, demo_data, django_user_model):
    client.force_login(django_user_model.objects.get(username="admin"))
    return client


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_admin_pages_render_for_superuser(signed_in_admin, app_label, model_name):
    model = next(
        m
        for m in admin.site._registry
        if (m._meta.app_label, m._meta.model_name) == (app_label, model_name)
    )
    changelist = signed_in_admin.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    add = signed_in_admin.get(reverse(f"admin:{app_label}_{model_name}_add"))

    assert changelist.status_code == 200
    # API tokens are created only by their users, on their account page; escalations by leads,
    # on the barrier's page, and moved on by the level they are at (the admin reads them);
    # follows by their followers, on /notifications/.
    assert add.status_code == (403 if model in (AuthToken, Escalation, Follow) else 200)
    instance = model._default_manager.order_by("pk").first()
    assert instance is not None, f"the demo data has no {model_name} to edit"
    change = signed_in_admin.get(
        reverse(f"admin:{app_label}_{model_name}_change", args=[instance.pk])
    )
    assert change.status_code == 200
    if hasattr(admin.site._registry[model], "history_view"):
        history = signed_in_admin.get(
            reverse(f"admin:{app_label}_{model_name}_history", args=[instance.pk])
        )
        assert history.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["", "?status__exact=open", "?q=ZA001", "?identified_on__year=2025", "?severity__exact=4"],
)
def test_barrier_changelist_filters_and_search(signed_in_admin, query):
    response = signed_in_admin.get(reverse("admin:barriers_barrier_changelist") + query)

    assert response.status_code == 200


def test_barrier_changelist_query_count_bounded(signed_in_admin, django_assert_max_num_queries):
    # session, user, count, page of rows with their joins, date hierarchy, filters' choices
    with django_assert_max_num_queries(14):
        response = signed_in_admin.get(reverse("admin:barriers_barrier_changelist"))

    assert response.status_code == 200


def test_adoption_stage_change_in_admin_writes_stage_history(signed_in_admin):
    from adoption.barriers.models import Adoption, Stage

    adoption = Adoption.objects.filter(stage=Stage.EXPLORING).first()
    before = adoption.stage_changes.count()
    url = reverse("admin:barriers_adoption_change", args=[adoption.pk])
    data = {
        "innovation": adoption.innovation_id,
        "organisation": adoption.organisation_id,
        "stage": Stage.BUSINESS_CASE,
        "route": adoption.route,
        "no_barrier_confirmed_on": "",
        "stage_changes-TOTAL_FORMS": "0",
        "stage_changes-INITIAL_FORMS": "0",
        "stage_changes-MIN_NUM_FORMS": "0",
        "stage_changes-MAX_NUM_FORMS": "1000",
    }

    response = signed_in_admin.post(url, data)

    assert response.status_code == 302, response.content[:2000]
    adoption.refresh_from_db()
    assert adoption.stage == Stage.BUSINESS_CASE
    assert adoption.stage_changes.count() == before + 1
    last = adoption.stage_changes.order_by("-id").first()
    assert (last.from_stage, last.to_stage, last.changed_by.username) == (
        Stage.EXPLORING,
        Stage.BUSINESS_CASE,
        "admin",
    )
