"""Sign-in throttling: after a few failed attempts for one username from one address, further
attempts are refused for a while, whatever the password. Counts live in the shared cache."""

import hashlib

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCKED_MESSAGE = (
    "Too many failed sign-in attempts for this account. Wait 15 minutes and try again, or ask "
    "your administrator to reset your password."
)


def _key(username, address):
    digest = hashlib.sha256(f"{(username or '').lower()}|{address}".encode()).hexdigest()
    return f"sign-in-failures:{digest}"


def client_address(request):
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def is_locked(username, address):
    return cache.get(_key(username, address), 0) >= MAX_FAILURES


def record_failure(username, address):
    key = _key(username, address)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)


def clear_failures(username, address):
    cache.delete(_key(username, address))


class ThrottledLoginMixin:
    def clean(self):
        username = self.data.get("username", "")
        address = client_address(self.request)
        if is_locked(username, address):
            raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_failure(username, address)
            raise
        clear_failures(username, address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
