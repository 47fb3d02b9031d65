"""The account page: who you are, your memberships, and the API tokens you create and revoke.

A new token's secret is shown once, in the answer to the form that created it; it is never put
in a message (messages travel in the session or a cookie) and never stored unhashed.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from knox.models import AuthToken

from adoption.accounts import services

BAD_INPUT = 400


def _account(request, *, error=None, name="", status=200):
    context = {
        "name": name,
        "name_max_length": services.TOKEN_NAME_MAX_LENGTH,
        "memberships": request.user.memberships.select_related("organisation"),
        "tokens": services.api_tokens(request.user),
        "token_days": settings.API_TOKEN_DAYS,
        "now": timezone.now(),
        "error": error,
    }
    return render(request, "accounts/account.html", context, status=status)


@require_safe
def account(request):
    return _account(request)


@require_POST
@never_cache
def token_create(request):
    name = request.POST.get("name", "")
    try:
        token, secret = services.create_api_token(user=request.user, name=name)
    except ValidationError as error:
        return _account(request, error=error.messages[0], name=name, status=BAD_INPUT)
    context = {
        "token": token,
        "secret": secret,
        "example_url": request.build_absolute_uri(reverse("api-root") + "barriers/"),
    }
    return render(request, "accounts/token_created.html", context)


@require_POST
def token_revoke(request, digest):
    try:
        token = services.revoke_api_token(by=request.user, digest=digest)
    except AuthToken.DoesNotExist:
        raise Http404("No such token of yours.") from None
    label = getattr(token, "label", None)  # tokens made before tokens had names have none
    which = f"The token “{label.name}”" if label else "The token"
    created = date_format(timezone.localtime(token.created), "j F Y")
    messages.success(
        request, f"{which} created on {created} is revoked: it no longer opens the API."
    )
    return redirect("account")
