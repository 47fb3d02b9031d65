"""Django's database cache, storing many values in one statement.

The dashboards cache an innovation's figures one by one (adoption/dashboards/cache.py), so a
page counted afresh stores hundreds of values at once; Django's database cache stores each with
three statements of its own. Only `set_many` differs; everything else is Django's."""

import base64
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """Store every value in `data` with one insert-or-update (after one cull check)."""
        if len(data) < 2:
            return super().set_many(data, timeout, version)
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        now = timezone.now().replace(microsecond=0)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        expires = connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        rows = []
        for key, value in data.items():
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            rows += [self.make_and_validate_key(key, version=version), encoded, expires]
        quote = connection.ops.quote_name
        table = quote(self._table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            count = cursor.fetchone()[0]
            if count > self._max_entries:
                self._cull(db, cursor, now, count)
            cursor.execute(
                f"INSERT INTO {table} ({quote('cache_key')}, {quote('value')}, "
                f"{quote('expires')}) VALUES "
                + ", ".join(["(%s, %s, %s)"] * len(data))
                + f" ON CONFLICT ({quote('cache_key')}) DO UPDATE SET "
                f"{quote('value')} = excluded.{quote('value')}, "
                f"{quote('expires')} = excluded.{quote('expires')}",
                rows,
            )
        return []
