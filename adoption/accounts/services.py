"""Writes to a user's API tokens.

A token's secret is returned once, when it is created; only its hash is stored, so nobody
(administrators included) can read it back. Every token expires after `API_TOKEN_DAYS` days.
Each has a name its owner gives it and the time it was last used, to the minute.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings

from adoption.accounts.models import ApiTokenLabel

TOKEN_NAME_MAX_LENGTH = ApiTokenLabel._meta.get_field("name").max_length
# A token's last use is recorded at most once a minute, not written on every request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def api_tokens(user):
    """The user's own API tokens, newest first, with their names and last use."""
    return AuthToken.objects.filter(user=user).select_related("label").order_by("-created")


def live_api_tokens(user):
    return api_tokens(user).filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))


def clean_token_name(name):
    """The name as stored, or a ValidationError saying what is wrong with it."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(
            "Enter a name for the token, such as what will use it: for example Weekly R report."
        )
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise ValidationError(f"Token name must be {TOKEN_NAME_MAX_LENGTH} characters or fewer.")
    return name


@transaction.atomic
def create_api_token(*, user, name):
    """A new API token for `user`, called `name`: (the stored token, its secret). The secret
    exists only in this answer. Refused while the user already holds the most live tokens
    allowed."""
    name = clean_token_name(name)
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None and live_api_tokens(user).count() >= limit:
        raise ValidationError(
            f"You already have {limit} tokens: revoke one you no longer use, then create another."
        )
    token, secret = AuthToken.objects.create(user)
    ApiTokenLabel.objects.create(token=token, name=name)
    return token, secret


def record_use(token, *, now=None):
    """Note that `token` was just used; a write only if its last use is over a minute old."""
    now = now or timezone.now()
    ApiTokenLabel.objects.filter(token=token).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USE_RESOLUTION)
    ).update(last_used_at=now)


def revoke_api_token(*, by, digest):
    """Revoke one of `by`'s own tokens: it is refused from now on. A token that is not theirs
    is not found (AuthToken.DoesNotExist)."""
    token = api_tokens(by).get(digest=digest)
    token.delete()
    return token
