from django.core.management.base import BaseCommand

from adoption.registry.models import Organisation
from adoption.registry.services import load_nhs_england_icbs


class Command(BaseCommand):
    help = (
        "Create or update the seven NHS England regions and every ICB (open and closed, with "
        "the successors of the 2026 mergers) from the reference file shipped with Spreadwatch. "
        "Run once on a new deployment, before importing ODS files."
    )

    def handle(self, *args, **options):
        icbs = load_nhs_england_icbs()
        self.stdout.write(
            f"{Organisation.objects.regions().count()} regions and {len(icbs)} ICBs "
            f"({sum(1 for icb in icbs.values() if icb.closed_on is None)} open) are loaded."
        )
