"""Signing in, and the throttle on repeated failures."""

import pytest

from tests.integration.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def test_sign_in_with_the_right_password(client, world):
    response = sign_in(client, "lead_a", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wrong_password_is_refused_with_a_message(client, world):
    response = sign_in(client, "lead_a", "wrong")

    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_five_failures_lock_the_account_from_that_address(client, world, url):
    for _ in range(5):
        sign_in(client, "super", "wrong", url)

    response = sign_in(client, "super", PASSWORD, url)

    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "lead_b", PASSWORD).status_code == 302, "others are unaffected"


def test_a_success_clears_earlier_failures(client, world):
    for _ in range(4):
        sign_in(client, "lead_a", "wrong")
    assert sign_in(client, "lead_a", PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        sign_in(client, "lead_a", "wrong")

    assert sign_in(client, "lead_a", PASSWORD).status_code == 302
