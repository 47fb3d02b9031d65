"""Caching dashboard figures without ever serving stale ones.

A figure is cached under a key made of the function, the exact SQL of the querysets it was
given (which carries every filter and the access policy's visibility rule), its other
arguments, today's date (stall status depends on it) and the data version. The data version is
bumped in the same transaction as every change to the counted records, so a cached figure is
only ever reused while the data it counted is unchanged: once per unit of work by the write
services of adoptions, barriers and actions (adoption/dashboards/upkeep.py), by the bulk
loaders, and on every save of reference data (organisations, innovations, pathways: signals
below, as the admin edits those directly).
"""

import functools
import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from adoption.dashboards.models import DataVersion
from adoption.registry.models import Innovation, Organisation, Pathway

TIMEOUT = 60 * 60 * 24
REFERENCE_DATA = [Organisation, Innovation, Pathway]


def current_version():
    row = DataVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return row or 0


def bump_version(**kwargs):
    updated = DataVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        DataVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def connect_signals():
    for model in REFERENCE_DATA:
        post_save.connect(bump_version, sender=model, dispatch_uid=f"bump-save-{model.__name__}")
        post_delete.connect(
            bump_version, sender=model, dispatch_uid=f"bump-delete-{model.__name__}"
        )
    m2m_changed.connect(
        bump_version, sender=Innovation.pathways.through, dispatch_uid="bump-pathways"
    )


def _describe(value):
    if isinstance(value, QuerySet):
        try:
            sql, params = value.query.sql_with_params()
        except EmptyResultSet:
            return f"{value.model._meta.label}:nothing"
        return f"{value.model._meta.label}:{sql}:{params!r}"
    return repr(value)


def cached(function):
    """Cache a function of querysets and plain values, keyed as the module docstring says."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        parts = [
            function.__module__,
            function.__qualname__,
            connection.settings_dict["NAME"],
            str(current_version()),
            str(kwargs.get("today") or timezone.localdate()),
            *(_describe(a) for a in args),
            *(f"{k}={_describe(v)}" for k, v in sorted(kwargs.items())),
        ]
        key = "dashboards:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        found = cache.get(key)
        if found is not None:
            return found
        result = function(*args, **kwargs)
        cache.set(key, result, TIMEOUT)
        return result

    return wrapper
