"""Print, for each dashboard unfiltered: total in-process time and the time spent in SQL,
with the figure cache turned off. Used by bench/bench.py."""

import sys
import time

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

innovation = sys.argv[1]
pages = {
    "Spread": "/dashboard/",
    "Barriers": "/dashboard/barriers/",
    "Savings elsewhere": "/dashboard/savings/",
    "What worked": "/dashboard/what-worked/",
    "Innovation": f"/dashboard/innovations/{innovation}/",
    "Barrier register": "/barriers/",
}
dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
with override_settings(CACHES=dummy, ALLOWED_HOSTS=["testserver"]):
    from django.core.cache import cache

    client = Client()
    client.force_login(get_user_model().objects.get(username="national"))
    for name, url in pages.items():
        cache.clear()
        client.get(url)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        total = (time.perf_counter() - started) * 1000
        sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"{name}\t{total:.1f},{sql:.1f}")
