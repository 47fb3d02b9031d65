"""Caching dashboard figures without ever serving stale ones, and without dropping the figures
a write did not touch.

A figure is cached under a key made of the function, the exact SQL of the querysets it was
given (which carries every filter and the access policy's visibility rule), its other
arguments, today's date (stall status depends on it) and two kinds of counter:

- the **data version** (`DataVersion`), bumped by whatever may change any figure: bulk loads,
  rebuilt tallies, and every save of reference data (organisations, innovations, pathways:
  signals below, as the admin edits those directly);
- the **versions of the figure's scopes** (`FigureVersion`). A write service bumps, in the same
  transaction as its write, the scopes of the records it changed: "all", the innovation
  ("innovation:12"), the region and the ICB (adoption/dashboards/upkeep.py). A page narrowed to
  an innovation or a place reads its figures inside `figure_scope` with those scopes, so its
  figures are keyed by them alone and survive writes to other innovations and places; any
  other figure is keyed by "all", which every write bumps.

So a cached figure is only ever reused while the data it counted is unchanged.

Figures counted while a page is built are stored once its response has gone
(`StoreFiguresAfterResponse`): a cold page answers without waiting for the cache to take what
it counted.
"""

import contextvars
import functools
import hashlib
import logging
import threading
from contextlib import contextmanager

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.signals import request_finished
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from adoption.dashboards.models import DataVersion, FigureVersion
from adoption.registry.models import Innovation, Organisation, Pathway

TIMEOUT = 60 * 60 * 24
REFERENCE_DATA = [Organisation, Innovation, Pathway]
ALL = "all"  # the scope every write bumps

_versions = contextvars.ContextVar("figure_versions", default=None)
_unstored = threading.local()  # figures counted in this request, not yet stored
log = logging.getLogger(__name__)


class StoreFiguresAfterResponse:
    """Middleware: the figures a request counts are stored in the cache when its response has
    been sent (Django's `request_finished`), not while the user waits for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _unstored.figures = {}
        return self.get_response(request)


def _stored(keys):
    """{key: figure} of these keys found in the cache or counted earlier in this request."""
    unstored = getattr(_unstored, "figures", None) or {}
    found = {key: unstored[key] for key in keys if key in unstored}
    missing = [key for key in keys if key not in found]
    return found | (cache.get_many(missing) if missing else {})


def _store(figures):
    unstored = getattr(_unstored, "figures", None)
    if unstored is None:
        cache.set_many(figures, TIMEOUT)
    else:
        unstored.update(figures)


def store_unstored(**kwargs):
    """Store what this request counted (connected to `request_finished`). A failure loses
    only cached figures, counted again when next asked."""
    figures = getattr(_unstored, "figures", None)
    _unstored.figures = None
    if figures:
        try:
            cache.set_many(figures, TIMEOUT)
        except Exception:
            log.exception("Could not store %d dashboard figures", len(figures))


def current_version():
    row = DataVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return row or 0


def bump_version(**kwargs):
    updated = DataVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        DataVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def scope(kind, pk):
    """The scope of the records of one innovation, region or ICB: "innovation:12"."""
    return f"{kind}:{pk}"


def bump_scopes(scopes):
    """Bump "all" and these scopes, in the caller's transaction, in a fixed order so that two
    writes never deadlock on them."""
    table = FigureVersion._meta.db_table
    rows = [[name] for name in sorted({ALL, *scopes})]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (scope, version) VALUES (%s, 1) "
            f"ON CONFLICT (scope) DO UPDATE SET version = {table}.version + 1",
            rows,
        )


def read_versions(scopes):
    """The data version and the versions of these scopes, as one string, in one query."""
    found = dict(FigureVersion.objects.filter(scope__in=scopes).values_list("scope", "version"))
    parts = [f"{name}={found.get(name, 0)}" for name in sorted(scopes)]
    return f"data={current_version()};" + ";".join(parts)


@contextmanager
def figure_scope(scopes):
    """Figures cached inside this block are keyed by these scopes' versions (read once, here):
    use it only where every figure is narrowed to records of these scopes."""
    token = _versions.set(read_versions(sorted(set(scopes) or {ALL})))
    try:
        yield
    finally:
        _versions.reset(token)


def connect_signals():
    for model in REFERENCE_DATA:
        post_save.connect(bump_version, sender=model, dispatch_uid=f"bump-save-{model.__name__}")
        post_delete.connect(
            bump_version, sender=model, dispatch_uid=f"bump-delete-{model.__name__}"
        )
    m2m_changed.connect(
        bump_version, sender=Innovation.pathways.through, dispatch_uid="bump-pathways"
    )
    request_finished.connect(store_unstored, dispatch_uid="store-unstored-figures")


def _describe(value):
    if isinstance(value, QuerySet):
        try:
            sql, params = value.query.sql_with_params()
        except EmptyResultSet:
            return f"{value.model._meta.label}:nothing"
        return f"{value.model._meta.label}:{sql}:{params!r}"
    return repr(value)


def cached_each(name, keys, compute, *, kind, inputs, today=None, empty=None):
    """{key: value} for several records of one kind (e.g. innovation ids), each cached on its
    own, keyed by its scope's version: a write to one innovation leaves the others' values in
    place. The values not cached are computed together by one call of `compute(missing keys)`
    (giving {key: value}; a key it leaves out has the value `empty`). `inputs` describes everything
    else the values depend on (querysets and rows as `cached` describes them)."""
    if not keys:
        return {}
    scopes = {key: scope(kind, key) for key in keys}
    versions = dict(
        FigureVersion.objects.filter(scope__in=scopes.values()).values_list("scope", "version")
    )
    common = "\x1f".join(
        [
            name,
            connection.settings_dict["NAME"],
            f"data={current_version()}",
            str(today or timezone.localdate()),
            *(_describe(value) for value in inputs),
        ]
    )
    names = {
        key: "dashboards:"
        + hashlib.sha256(
            f"{common}\x1f{scopes[key]}={versions.get(scopes[key], 0)}".encode()
        ).hexdigest()
        for key in keys
    }
    found = _stored(list(names.values()))
    values = {key: found[names[key]] for key in keys if names[key] in found}
    missing = [key for key in keys if key not in values]
    if missing:
        computed = compute(missing)
        values |= {key: computed.get(key, empty) for key in missing}
        _store({names[key]: values[key] for key in missing})
    return values


def cached(function):
    """Cache a function of querysets and plain values, keyed as the module docstring says."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        parts = [
            function.__module__,
            function.__qualname__,
            connection.settings_dict["NAME"],
            _versions.get() or read_versions([ALL]),
            str(kwargs.get("today") or timezone.localdate()),
            *(_describe(a) for a in args),
            *(f"{k}={_describe(v)}" for k, v in sorted(kwargs.items())),
        ]
        key = "dashboards:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        found = _stored([key])
        if key in found:
            return found[key]
        result = function(*args, **kwargs)
        _store({key: result})
        return result

    return wrapper
