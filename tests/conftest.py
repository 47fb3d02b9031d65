import pytest


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.nhs.uk", password="correct-horse-battery"
    )


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
