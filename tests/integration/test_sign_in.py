"""Signing in, the throttle on repeated failures, and the rules for new passwords."""

import datetime
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from adoption.accounts.throttle import LOCKED_MESSAGE, client_address
from tests.integration.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-in attempts"


def sign_in(client, username, password, url="/accounts/login/", **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def fail_five_times(client, username="lead_a", **extra):
    for _ in range(5):
        sign_in(client, username, "wrong", **extra)


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, stopped at the start of the test and moved on by hand."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta):
            self.now += datetime.timedelta(**delta)

    stopped = Clock()
    monkeypatch.setattr(timezone, "now", lambda: stopped.now)
    return stopped


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

    assert LOCKED_MESSAGE in response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "lead_b", PASSWORD).status_code == 302, "others are unaffected"


# --- every spelling of an account shares one counter --------------------------------------


@pytest.mark.parametrize(
    "spelling", [" lead_a", "lead_a ", "lead_a\t", "ｌｅａｄ＿ａ", "LEAD_A", " Lead_A "]
)
def test_a_locked_account_is_refused_under_every_spelling(client, world, spelling):
    fail_five_times(client, "lead_a")

    response = sign_in(client, spelling, PASSWORD)

    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_under_different_spellings_add_up(client, world):
    for spelling in ["lead_a", " lead_a", "  lead_a", "lead_a\t", "ｌｅａｄ＿ａ"]:
        sign_in(client, spelling, "wrong")

    response = sign_in(client, "lead_a", PASSWORD)

    assert LOCKED in response.content.decode()


# --- parallel guesses ---------------------------------------------------------------------


@pytest.fixture
def database_for_threads(tmp_path, monkeypatch):
    """Where connections opened by other threads go. An in-memory SQLite database refuses a
    second writer ("database table is locked"), so there they share a copy in a file, as
    production's SQLite does."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        connection.ensure_connection()
        copy = tmp_path / "threads.sqlite3"
        with sqlite3.connect(copy) as target:
            connection.connection.backup(target)
        monkeypatch.setitem(connection.settings_dict, "NAME", str(copy))


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_guesses_get_five_password_checks(world, database_for_threads, monkeypatch):
    checks = []
    check_password = ModelBackend.authenticate

    def slow_counted_check(backend, request, username=None, password=None, **kwargs):
        checks.append(username)
        time.sleep(0.05)  # a production password hash takes at least this long
        return check_password(backend, request, username, password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", slow_counted_check)
    guessers = 40
    start = threading.Barrier(guessers)

    def guess(_):
        try:
            start.wait()
            return sign_in(Client(), "lead_a", "wrong")
        finally:
            connection.close()

    with ThreadPoolExecutor(guessers) as pool:
        responses = list(pool.map(guess, range(guessers)))

    assert len(checks) == 5
    assert [response.status_code for response in responses] == [200] * guessers
    locked = [response for response in responses if LOCKED in response.content.decode()]
    assert len(locked) == guessers - 5


# --- the client's address -----------------------------------------------------------------


def test_a_forged_forwarded_for_is_ignored_without_trusted_proxies(client, world, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for number in range(5):
        sign_in(client, "lead_a", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")

    response = sign_in(client, "lead_a", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert LOCKED in response.content.decode()


def test_clients_behind_a_trusted_proxy_are_throttled_separately(client, world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    behind_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    fail_five_times(client, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5", **behind_proxy)

    locked_out = sign_in(
        Client(), "lead_a", PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5", **behind_proxy
    )
    other_client = sign_in(
        Client(), "lead_a", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6", **behind_proxy
    )

    assert LOCKED in locked_out.content.decode(), "only the proxy's own entry is believed"
    assert other_client.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "address"),
    [
        (0, "203.0.113.5", "10.0.0.2"),
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
        (2, "203.0.113.5", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, " , ", "10.0.0.2"),
    ],
)
def test_client_address_is_the_nth_forwarded_address_from_the_right(
    settings, proxies, forwarded_for, address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == address


def test_one_locked_address_does_not_lock_the_account_elsewhere(client, world):
    fail_five_times(client, REMOTE_ADDR="192.0.2.1")

    assert sign_in(client, "lead_a", PASSWORD, REMOTE_ADDR="192.0.2.2").status_code == 302


def test_many_failures_from_many_addresses_lock_the_account_everywhere(client, world):
    for number in range(10):
        fail_five_times(client, REMOTE_ADDR=f"192.0.2.{number}")

    response = sign_in(client, "lead_a", PASSWORD, REMOTE_ADDR="192.0.2.200")

    assert LOCKED in response.content.decode()
    assert sign_in(client, "lead_b", PASSWORD).status_code == 302, "others are unaffected"


# --- clearing and expiry ------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["lead_a", " lead_a "])
def test_a_success_clears_earlier_failures(client, world, spelling):
    for _ in range(4):
        sign_in(client, "lead_a", "wrong")
    assert sign_in(client, spelling, PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        sign_in(client, "lead_a", "wrong")

    assert sign_in(client, "lead_a", PASSWORD).status_code == 302


def test_a_lock_lasts_fifteen_minutes_from_the_last_failure(client, world, clock):
    fail_five_times(client)

    clock.advance(minutes=14, seconds=59)
    still_locked = sign_in(client, "lead_a", PASSWORD)
    clock.advance(seconds=2)
    after_the_window = sign_in(client, "lead_a", PASSWORD)

    assert LOCKED in still_locked.content.decode()
    assert after_the_window.status_code == 302


def test_failures_older_than_the_window_are_forgotten(client, world, clock):
    for _ in range(4):
        sign_in(client, "lead_a", "wrong")
    clock.advance(minutes=16)

    for _ in range(4):
        sign_in(client, "lead_a", "wrong")

    assert sign_in(client, "lead_a", PASSWORD).status_code == 302


# --- new passwords ------------------------------------------------------------------------


def change_password(client, new_password):
    return client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )


@pytest.mark.parametrize(
    "new_password",
    [
        "Tq9#vLx2",  # eight characters
        "Tq9#vLx2wK4",  # eleven
        "spreadwatch-demo",
        "Spreadwatch Demo",
        "SPREADWATCH-DEMO2026",
        " spreadwatch demo 1 ",
        "spreadwatchdemo!",
        "Spreadwatch2026!",
        "password1234",
    ],
)
def test_a_short_common_or_demo_password_is_refused(client, world, new_password):
    client.force_login(world.lead_a)

    response = change_password(client, new_password)

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    world.lead_a.refresh_from_db()
    assert world.lead_a.check_password(PASSWORD)


def test_a_long_uncommon_password_is_accepted(client, world):
    client.force_login(world.lead_a)

    response = change_password(client, "tidal-kestrel-ledger-91")

    assert response.status_code == 302
    world.lead_a.refresh_from_db()
    assert world.lead_a.check_password("tidal-kestrel-ledger-91")
