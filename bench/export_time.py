"""Stream the whole barrier register as CSV in-process and report rows per second and this
process's peak memory. Used by bench/bench.py."""

import resource
import time

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

with override_settings(ALLOWED_HOSTS=["testserver"]):
    client = Client()
    client.force_login(get_user_model().objects.get(username="national"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get("/barriers/export.csv")
    rows = -1  # the header
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{rows}\t{elapsed:.2f}\t{peak_mb:.0f}\t{before / 1024:.0f}")
