from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_ok_when_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_healthz_503_when_database_unreachable(client):
    with mock.patch("adoption.core.views.connection") as connection:
        connection.cursor.side_effect = OperationalError("could not connect to server")
        response = client.get("/healthz")

    assert response.status_code == 503
    assert b"could not connect" not in response.content
    assert response.content == b"unavailable\n"


def test_healthz_open_to_anonymous_users_and_not_cached(client):
    response = client.get("/healthz")

    assert response.status_code == 200, "no sign-in needed"
    assert "no-cache" in response["Cache-Control"]
