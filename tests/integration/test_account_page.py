"""The account page: who you are, and the API tokens you create, use and revoke yourself.

Tokens are stored only as a hash, shown once, expire, and can be revoked only by their owner.
"""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from tests.integration.conftest import signed_in

pytestmark = pytest.mark.django_db

ACCOUNT = "/accounts/"
CREATE = "/accounts/tokens/"


def revoke_url(token):
    return f"/accounts/tokens/{token.digest}/revoke/"


def api_get(key, url="/api/v1/barriers/"):
    return Client().get(url, HTTP_AUTHORIZATION=f"Token {key}")


def create_token(client, user, name="Weekly R report"):
    signed_in(client, user)
    response = client.post(CREATE, {"name": name})
    assert response.status_code == 200
    return response, response.context["secret"]


@pytest.mark.parametrize("role", ["lead_a", "national", "admin"])
def test_a_signed_in_user_creates_a_token_and_reads_the_api_with_it(client, world, role):
    response, secret = create_token(client, world.users[role])

    page = response.content.decode()
    assert secret in page
    assert "only time it will be shown" in page
    assert api_get(secret).status_code == 200
    assert AuthToken.objects.get().user == world.users[role]


def test_a_token_is_stored_only_as_a_hash(client, world):
    _, secret = create_token(client, world.lead_a)

    stored = [str(value) for row in AuthToken.objects.values() for value in row.values()]
    sessions = [session.session_data for session in Session.objects.all()]
    cookies = [cookie.value for cookie in client.cookies.values()]
    assert not any(secret in value for value in stored + sessions + cookies)
    assert secret not in client.get(ACCOUNT).content.decode()


def test_a_token_expires_after_the_configured_days(client, world):
    _, secret = create_token(client, world.lead_a)

    token = AuthToken.objects.get()
    lifetime = token.expiry - token.created
    assert abs(lifetime - datetime.timedelta(days=settings.API_TOKEN_DAYS)).total_seconds() < 60


def test_an_expired_token_is_refused(world):
    token, secret = AuthToken.objects.create(world.lead_a)
    token.expiry = timezone.now() - datetime.timedelta(seconds=1)
    token.save()

    response = api_get(secret)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_revoked_token_is_refused(client, world):
    _, secret = create_token(client, world.lead_a)
    token = AuthToken.objects.get()

    response = client.post(revoke_url(token), follow=True)

    assert response.redirect_chain == [(ACCOUNT, 302)]
    assert "is revoked" in response.content.decode()
    assert not AuthToken.objects.exists()
    assert api_get(secret).status_code == 401


def test_another_users_token_cannot_be_revoked(client, world):
    theirs, secret = AuthToken.objects.create(world.lead_b)
    signed_in(client, world.lead_a)

    response = client.post(revoke_url(theirs))

    assert response.status_code == 404
    assert AuthToken.objects.filter(pk=theirs.pk).exists()
    assert api_get(secret).status_code == 200


def test_the_account_page_lists_only_your_own_tokens_and_memberships(client, world):
    mine, _ = AuthToken.objects.create(world.lead_a)
    theirs, _ = AuthToken.objects.create(world.lead_b)
    signed_in(client, world.lead_a)

    response = client.get(ACCOUNT)

    page = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["tokens"]) == [mine]
    assert revoke_url(mine) in page and revoke_url(theirs) not in page
    assert "Innovation lead at Trust A" in page
    assert "Trust B" not in page
    assert "/accounts/password/" in page


def test_the_header_links_to_the_account_page(client, world):
    signed_in(client, world.national)

    page = client.get("/").content.decode()

    assert f'href="{ACCOUNT}"' in page


def test_tokens_per_user_are_limited(client, world):
    for _ in range(10):
        AuthToken.objects.create(world.lead_a)
    signed_in(client, world.lead_a)

    response = client.post(CREATE, {"name": "One too many"})

    assert response.status_code == 400
    assert "revoke one" in response.content.decode()
    assert AuthToken.objects.filter(user=world.lead_a).count() == 10


@pytest.mark.parametrize(
    ("method", "url"), [("get", ACCOUNT), ("post", CREATE), ("post", "/accounts/tokens/x/revoke/")]
)
def test_anonymous_users_are_sent_to_sign_in(client, world, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not AuthToken.objects.exists()


def test_token_forms_need_a_csrf_token(world):
    token, _ = AuthToken.objects.create(world.lead_a)
    client = signed_in(Client(enforce_csrf_checks=True), world.lead_a)

    created = client.post(CREATE)
    revoked = client.post(revoke_url(token))

    assert created.status_code == revoked.status_code == 403
    assert list(AuthToken.objects.all()) == [token]


def test_token_forms_take_only_posts(client, world):
    token, _ = AuthToken.objects.create(world.lead_a)
    signed_in(client, world.lead_a)

    assert client.get(CREATE).status_code == 405
    assert client.get(revoke_url(token)).status_code == 405
    assert AuthToken.objects.count() == 1


def test_expired_tokens_are_marked_and_can_be_removed(client, world):
    token, _ = AuthToken.objects.create(world.lead_a, expiry=datetime.timedelta(seconds=-1))
    signed_in(client, world.lead_a)

    page = client.get(ACCOUNT).content.decode()
    removed = client.post(revoke_url(token))

    assert "Expired" in page
    assert removed.status_code == 302
    assert not AuthToken.objects.exists()


def test_nobody_creates_a_token_for_someone_else_in_the_admin(client, world):
    signed_in(client, world.admin)

    add = client.get("/admin/knox/authtoken/add/")
    listed = client.get("/admin/knox/authtoken/")

    assert add.status_code == 403
    assert listed.status_code == 200


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a name for the token"),
        ("   ", "Enter a name for the token"),
        ("x" * 61, "Token name must be 60 characters or fewer."),
    ],
)
def test_a_token_needs_a_name_and_a_bad_one_creates_nothing(client, world, name, message):
    signed_in(client, world.lead_a)

    response = client.post(CREATE, {"name": name})

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'href="#token-name"' in page and "nhsuk-input--error" in page
    assert not AuthToken.objects.exists()


def test_the_account_page_shows_each_tokens_name_and_last_use(client, world):
    _, secret = create_token(client, world.lead_a, name="  Weekly   R report ")
    unused, _ = create_token(client, world.lead_a, name="Spare")

    before = client.get(ACCOUNT).content.decode()
    assert api_get(secret).status_code == 200
    assert api_get(secret).status_code == 200  # within the minute: not written again
    after = client.get(ACCOUNT)

    assert "Weekly R report" in before and before.count("Never") >= 2
    labels = {token.label.name: token.label for token in after.context["tokens"]}
    assert labels["Weekly R report"].last_used_at is not None
    assert labels["Spare"].last_used_at is None
    used = timezone.localtime(labels["Weekly R report"].last_used_at)
    assert used.strftime("%H:%M") in after.content.decode()


def test_a_tokens_last_use_is_written_at_most_once_a_minute(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from adoption.accounts import services

    token, _ = services.create_api_token(user=world.lead_a, name="Script")
    services.record_use(token)
    first = token.label.__class__.objects.get(pk=token.pk).last_used_at

    with CaptureQueriesContext(connection) as queries:
        services.record_use(token, now=first + datetime.timedelta(seconds=30))
    unchanged = token.label.__class__.objects.get(pk=token.pk).last_used_at
    services.record_use(token, now=first + datetime.timedelta(minutes=2))
    moved = token.label.__class__.objects.get(pk=token.pk).last_used_at

    assert len(queries) == 1  # one conditional UPDATE that changed nothing
    assert unchanged == first
    assert moved == first + datetime.timedelta(minutes=2)


@pytest.mark.parametrize(
    "url",
    [
        "/barriers/export.csv?region=Y56",
        "/adoptions/export.csv",
        "/dashboard/?download=matrix",
        "/dashboard/barriers/?download=heatmap",
    ],
)
def test_the_same_token_downloads_csv(client, world, url):
    _, secret = create_token(client, world.national)

    response = Client().get(url, HTTP_AUTHORIZATION=f"Token {secret}")
    refused = Client().get(url, HTTP_AUTHORIZATION="Token " + "0" * len(secret))
    anonymous = Client().get(url)

    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/csv")
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Token")
    assert anonymous.status_code == 302


def test_a_token_downloads_only_what_its_owner_may_see(client, world):
    _, secret = create_token(client, world.lead_b)

    response = Client().get("/barriers/export.csv", HTTP_AUTHORIZATION=f"Token {secret}")

    body = b"".join(response.streaming_content).decode()
    assert world.barrier_a.description in body  # trust A's open barrier: everyone sees it
    assert world.confidential_a.description not in body  # confidential to trust A


def test_a_token_does_not_open_the_pages(client, world):
    _, secret = create_token(client, world.national)

    response = Client().get("/dashboard/", HTTP_AUTHORIZATION=f"Token {secret}")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
