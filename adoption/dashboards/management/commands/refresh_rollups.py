import time

from django.core.management.base import BaseCommand

from adoption.dashboards.models import SpreadRollup
from adoption.dashboards.tallies import TALLIES
from adoption.registry.services import note_move, places_changing, refresh_icb_rollups


class Command(BaseCommand):
    help = (
        "Recount the dashboards' roll-up and tally tables from the records. They are kept up "
        "to date as records change; run this after loading data with raw SQL."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        # The ICB roll-up first, as everything is counted by place; then, at the end of the
        # unit, one `places_changed`, which rebuilds the spread roll-up and every tally.
        with places_changing():
            refresh_icb_rollups()
            note_move()
        tally_rows = sum(model.objects.count() for model in {t.model() for t in TALLIES})
        self.stdout.write(
            f"Recounted {SpreadRollup.objects.count():,} spread roll-up rows and "
            f"{tally_rows:,} tally rows in {time.perf_counter() - started:.1f} s."
        )
