import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from adoption.demo.demo_data import (
    DEMO_USERS,
    SCALES,
    DemoBuilder,
    clear_domain_data,
    content_digest,
    domain_has_data,
)


def iso_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of takes a date as YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Fill the database with deterministic demo data: real NHS England regions and ICBs, "
        "synthetic trusts, PCNs and practices, innovations, adoptions, barriers and enabler "
        "actions, and the users admin, national, lead and lead_other."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--password",
            default="spreadwatch-demo",
            help="Password for every demo user (default: spreadwatch-demo).",
        )
        parser.add_argument(
            "--as-of",
            type=iso_date,
            default=None,
            help="The date the data is generated relative to (default: today).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete existing organisations, records and users first.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds data (for `make run`).",
        )
        parser.add_argument(
            "--digest", action="store_true", help="Print a digest of the content at the end."
        )

    def handle(self, *args, scale, seed, password, as_of, replace, if_empty, digest, **options):
        if domain_has_data():
            if if_empty:
                self.stdout.write("The database already holds data; leaving it as it is.")
                return
            if not replace:
                raise CommandError(
                    "The database already holds data. Run with --replace to delete it and "
                    "seed afresh, or --if-empty to leave it."
                )
            self.stdout.write("Deleting existing data…")
            clear_domain_data()

        started = time.perf_counter()
        builder = DemoBuilder(
            scale=scale,
            seed=seed,
            as_of=as_of or timezone.localdate(),
            password=password,
            progress=options["verbosity"] >= 1,
        )
        counts = builder.build()
        elapsed = time.perf_counter() - started

        self.stdout.write(
            self.style.SUCCESS(f"Seeded the {scale} demo (seed {seed}) in {elapsed:.1f} s:")
        )
        for name, count in counts.items():
            self.stdout.write(f"  {name:<16} {count:>10,}")
        for line in builder.story():
            self.stdout.write(line)
        self.stdout.write(f"Demo logins, each with the password {password!r}:")
        for username, description in DEMO_USERS.items():
            self.stdout.write(f"  {username:<11} {description}")
        self.stdout.write(f"  The lead works at {builder.lead_organisation}.")
        if digest:
            self.stdout.write(f"Content digest: {content_digest()}")
