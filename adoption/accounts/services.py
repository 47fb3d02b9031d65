"""Writes to a user's API tokens.

A token's secret is returned once, when it is created; only its hash is stored, so nobody
(administrators included) can read it back. Every token expires after `API_TOKEN_DAYS` days.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings


def api_tokens(user):
    """The user's own API tokens, newest first."""
    return AuthToken.objects.filter(user=user).order_by("-created")


def live_api_tokens(user):
    return api_tokens(user).filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))


@transaction.atomic
def create_api_token(*, user):
    """A new API token for `user`: (the stored token, its secret). The secret exists only in
    this answer. Refused while the user already holds the most live tokens allowed."""
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None and live_api_tokens(user).count() >= limit:
        raise ValidationError(
            f"You already have {limit} tokens: revoke one you no longer use, then create another."
        )
    return AuthToken.objects.create(user)


def revoke_api_token(*, by, digest):
    """Revoke one of `by`'s own tokens: it is refused from now on. A token that is not theirs
    is not found (AuthToken.DoesNotExist)."""
    token = api_tokens(by).get(digest=digest)
    token.delete()
    return token
