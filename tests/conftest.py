import importlib

import pytest
from django.apps import apps
from django.core.cache import cache


def reseed_taxonomies():
    """Put back the barrier and enabler taxonomies the migrations seeded, as they seeded them:
    a transactional test empties the database after itself."""
    migration = importlib.import_module("adoption.barriers.migrations.0002_seed_taxonomies")
    migration.seed_taxonomies(apps, None)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached (its data version restarts at 0)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.nhs.uk", password="correct-horse-battery"
    )


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
