"""Sign-in throttling: a few failed attempts lock an account for a while, whatever the password.

Every attempt is counted before its password is checked, under two keys:

- the account from the client's address: at most MAX_FAILURES in a window, so a guesser gets
  five tries, while the account's owner elsewhere can still sign in;
- the account from anywhere: at most MAX_ACCOUNT_FAILURES, a backstop against a guesser
  spreading attempts over many addresses. Reaching it locks the account for everyone, which
  is why it is well above what a person mistyping ever reaches.

A counter is forgotten WINDOW after the last attempt it counted; attempts refused while locked
are not counted, so a lock lasts exactly WINDOW. A successful sign-in clears the account's
counter for that address and takes its own attempt off the account-wide one.

The account is the username as the sign-in form reads it (spaces stripped, NFKC-normalised,
exactly as Django's UsernameField does before authenticating), case-folded: every spelling that
could sign in to one account shares its counters. The client's address is REMOTE_ADDR unless
TRUSTED_PROXY_COUNT says how many proxies in front append to X-Forwarded-For (see
client_address); behind a proxy without it, every client shares the proxy's address. Counters
are stored under an HMAC of account and address, so what people type is not kept.

Counting is one conditional UPDATE per counter (`failures = failures + 1` only while under the
limit), which the database applies one at a time, so parallel guesses can never get more than
the limit checked, across all workers, on SQLite and PostgreSQL alike.

django-axes was considered and not used: it checks for a lock before authenticating and records
the failure afterwards, from the `user_login_failed` signal, so parallel guesses that all pass
the check before any failure is recorded are all checked against the password.
"""

import datetime
import json

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from adoption.accounts.models import SignInThrottle

MAX_FAILURES = 5
MAX_ACCOUNT_FAILURES = 50
WINDOW = datetime.timedelta(minutes=15)
LOCKED_MESSAGE = (
    "Too many failed sign-in attempts for this account. Wait 15 minutes and try again."
)


def account_key(username):
    """The account a username signs in to, the same for every spelling of it."""
    return UsernameField().to_python(username).casefold()


def client_address(request):
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the
    address the outermost of them saw, which is that many entries from the right of
    X-Forwarded-For. Entries further left are whatever the client sent, so they are ignored."""
    if request is None:
        return ""
    remote_address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote_address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    forwarded = [address.strip() for address in forwarded if address.strip()]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote_address


def reserve_attempt(username, address):
    """Count an attempt to sign in before its password is checked; False when the account is
    locked, for that address or everywhere, and the password must not be checked."""
    now = timezone.now()
    # Counters are forgotten WINDOW after their last attempt: before anything is counted.
    SignInThrottle.objects.filter(last_failure_at__lte=now - WINDOW).delete()
    from_address, from_anywhere = _digests(username, address)
    if not _count(from_address, MAX_FAILURES, now):
        return False
    if not _count(from_anywhere, MAX_ACCOUNT_FAILURES, now):
        _uncount(from_address)
        return False
    return True


def attempt_succeeded(username, address):
    """The password was right: clear the account's counter for the address, and take the
    attempt off the account-wide one."""
    from_address, from_anywhere = _digests(username, address)
    SignInThrottle.objects.filter(digest=from_address).delete()
    _uncount(from_anywhere)


def _digests(username, address):
    account = account_key(username)
    return [
        salted_hmac(__name__, json.dumps(key), algorithm="sha256").hexdigest()
        for key in (["from address", account, address], ["from anywhere", account])
    ]


def _count(digest, limit, now):
    """Add one to the counter, making it if need be, unless it already holds `limit`."""
    if _count_existing(digest, limit, now):
        return True
    try:
        with transaction.atomic():
            SignInThrottle.objects.create(digest=digest, failures=1, last_failure_at=now)
    except IntegrityError:  # the counter is full, or another attempt has just made it
        return _count_existing(digest, limit, now)
    return True


def _count_existing(digest, limit, now):
    return SignInThrottle.objects.filter(digest=digest, failures__lt=limit).update(
        failures=F("failures") + 1, last_failure_at=now
    )


def _uncount(digest):
    SignInThrottle.objects.filter(digest=digest, failures__gt=0).update(failures=F("failures") - 1)


class ThrottledLoginMixin:
    """For a sign-in form: counts each attempt before the password is checked, and refuses it
    with LOCKED_MESSAGE once the account is locked."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()  # no password is checked without both
        address = client_address(self.request)
        if not reserve_attempt(username, address):
            raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
        cleaned = super().clean()  # a refusal leaves the attempt counted as a failure
        attempt_succeeded(username, address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
