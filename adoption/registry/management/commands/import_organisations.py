from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from adoption.registry.models import OrganisationType
from adoption.registry.ods_import import apply_import, plan_import


class Command(BaseCommand):
    help = (
        "Import organisations from an NHS ODS CSV file (no header, 27 columns; see "
        "adoption/registry/ods_import.py). All or nothing: a file with any bad row imports "
        "nothing and every bad row is listed with its line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--type",
            choices=OrganisationType.values,
            help="The kind of organisation the file lists (default: from each code's shape).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; change nothing."
        )

    def handle(self, *args, file, type, dry_run, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        plan = plan_import(data, org_type=type)
        if not plan.ok:
            for line, reason in plan.errors:
                self.stderr.write(f"line {line}: {reason}")
            raise CommandError(
                f"{len(plan.errors)} bad row{'s' if len(plan.errors) != 1 else ''} in {file}: "
                "nothing was imported."
            )
        if dry_run:
            self.stdout.write(f"Dry run, nothing changed: {plan.summary()}.")
            return
        with tqdm(
            total=len(plan.rows), unit=" rows", disable=None if options["verbosity"] else True
        ) as bar:
            apply_import(plan, progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"Imported {file.name}: {plan.summary()}."))
