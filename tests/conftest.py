import pytest
from django.core.cache import cache


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
