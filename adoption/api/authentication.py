"""API tokens: django-rest-knox's, stored hashed and expiring, sent as `Authorization: Token …`,
for the API and for CSV downloads.

Only a string shaped like a token is looked up: anything else (a NUL, bytes that are not text,
the wrong length) is refused with a 401 before it reaches the database.
"""

import re

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.settings import knox_settings
from rest_framework.exceptions import AuthenticationFailed

from adoption.accounts import services
from adoption.core.csv_export import is_download


class TokenAuthentication(auth.TokenAuthentication):
    def authenticate_credentials(self, token):
        shape = re.escape(knox_settings.TOKEN_PREFIX.encode()) + rb"[0-9a-f]{%d}" % (
            knox_settings.AUTH_TOKEN_CHARACTER_LENGTH
        )
        if not re.fullmatch(shape, token):
            raise AuthenticationFailed(_("Invalid token."))
        user, auth_token = super().authenticate_credentials(token)
        services.record_use(auth_token)
        return user, auth_token


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme for this authentication, as for knox's own."""

    target_class = "adoption.api.authentication.TokenAuthentication"


class TokenOpensDownloads:
    """Middleware: a CSV download sent with `Authorization: Token …` is read as the token's
    owner, so a script that reads the API downloads the same CSV a person does. Only downloads
    (adoption/core/csv_export.py): every other page still needs a signed-in session. A token
    that does not open the API answers 401 and opens nothing."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.authentication = TokenAuthentication()

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and is_download(request):
            try:
                found = self.authentication.authenticate(request)
            except AuthenticationFailed as failure:
                response = HttpResponse(str(failure.detail), status=401, content_type="text/plain")
                response["WWW-Authenticate"] = self.authentication.authenticate_header(request)
                return response
            if found is not None:
                request.user, request.auth = found
                request._dont_enforce_csrf_checks = True
        return self.get_response(request)
