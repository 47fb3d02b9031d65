import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adoption.config.settings")

application = get_wsgi_application()

# Load every view now, then move what start-up made (Django, the app's modules, the URL
# patterns) out of the garbage collector's sight: it never becomes garbage, yet each full
# collection scanned all of it. And collect the young generation every 50,000 allocations, not
# 700: a dashboard that judges 7,000 groups allocates far more than 700 objects that live for
# the whole request. Measured on Spread compared by ICB at stress scale: 360 ms -> 310 ms cold.
get_resolver().url_patterns  # noqa: B018 - imports every view module
gc.freeze()
gc.set_threshold(50_000, 20, 20)
