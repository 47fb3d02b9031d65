"""API tokens: django-rest-knox's, stored hashed and expiring, sent as `Authorization: Token …`.

Only a string shaped like a token is looked up: anything else (a NUL, bytes that are not text,
the wrong length) is refused with a 401 before it reaches the database.
"""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.settings import knox_settings
from rest_framework.exceptions import AuthenticationFailed


class TokenAuthentication(auth.TokenAuthentication):
    def authenticate_credentials(self, token):
        shape = re.escape(knox_settings.TOKEN_PREFIX.encode()) + rb"[0-9a-f]{%d}" % (
            knox_settings.AUTH_TOKEN_CHARACTER_LENGTH
        )
        if not re.fullmatch(shape, token):
            raise AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme for this authentication, as for knox's own."""

    target_class = "adoption.api.authentication.TokenAuthentication"
