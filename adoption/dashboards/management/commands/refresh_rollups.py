import time

from django.core.management.base import BaseCommand

from adoption.dashboards.models import SpreadRollup
from adoption.dashboards.rollups import rebuild_spread_rollup


class Command(BaseCommand):
    help = (
        "Recount the dashboards' roll-up tables from the records. They are kept up to date as "
        "records change; run this after loading data with raw SQL."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        rebuild_spread_rollup()
        self.stdout.write(
            f"Recounted {SpreadRollup.objects.count():,} spread roll-up rows "
            f"in {time.perf_counter() - started:.1f} s."
        )
