import time

from django.core.management.base import BaseCommand
from django.db import transaction

from adoption.dashboards.models import SpreadRollup
from adoption.dashboards.rollups import rebuild_spread_rollup
from adoption.dashboards.tallies import TALLIES, rebuild_tallies


class Command(BaseCommand):
    help = (
        "Recount the dashboards' roll-up and tally tables from the records. They are kept up "
        "to date as records change; run this after loading data with raw SQL."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        with transaction.atomic():
            rebuild_spread_rollup()
            rebuild_tallies()
        tally_rows = sum(model.objects.count() for model in {t.model() for t in TALLIES})
        self.stdout.write(
            f"Recounted {SpreadRollup.objects.count():,} spread roll-up rows and "
            f"{tally_rows:,} tally rows in {time.perf_counter() - started:.1f} s."
        )
