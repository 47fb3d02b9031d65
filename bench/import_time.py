"""Time `manage.py import_organisations` on a generated ODS file against the `national` demo:
new trusts and PCNs under open ICBs, and a few trusts moving to another region. Reports the
seconds taken, recount included, and how many times everything counted by place was recounted.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python bench/import_time.py

Migrates the database and seeds the `national` demo first when it holds no organisations
(about 45 s). The measured import runs in a transaction that is rolled back, so the database
is left as found and the script can be run again. See bench/README.md.
"""

import argparse
import io
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adoption.config.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from adoption.demo.demo_data import domain_has_data  # noqa: E402
from adoption.registry.models import Organisation  # noqa: E402
from adoption.registry.signals import places_changed  # noqa: E402

ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class RolledBack(Exception):
    pass


def ods_line(code, name, region, parent):
    """One row of an ODS file: 27 columns, as NHS ODS publishes them."""
    cells = [code, name, region, parent, "1 ROAD", "", "", "TOWN", "", "AB1 2CD", "20200401", ""]
    cells += [""] * (27 - len(cells))
    return ",".join(f'"{cell}"' for cell in cells) + "\r\n"


def free_codes(candidates, count, taken):
    codes = [code for code in candidates if code not in taken]
    if len(codes) < count:
        sys.exit(f"Not enough unused ODS codes for {count} organisations.")
    return codes[:count]


def import_file(lines, directory, name):
    path = Path(directory) / name
    path.write_text("".join(lines), encoding="utf-8")
    call_command("import_organisations", str(path), verbosity=0, stdout=io.StringIO())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="rows in the file (1,000)")
    parser.add_argument("--moving", type=int, default=20, help="of which move region (20)")
    options = parser.parse_args()
    if not 0 <= options.moving <= options.rows:
        parser.error("--moving must be between 0 and --rows")

    call_command("migrate", "--no-input", verbosity=0)
    if not domain_has_data():
        started = time.perf_counter()
        call_command("seed_demo", "--scale", "national", verbosity=0, stdout=io.StringIO())
        print(f"Seeded the national demo in {time.perf_counter() - started:.0f} s.")

    rng = random.Random(1)
    icbs = list(
        Organisation.objects.icbs()
        .filter(closed_on__isnull=True)
        .select_related("region")
        .order_by("ods_code")
    )
    taken = set(Organisation.objects.values_list("ods_code", flat=True))
    trusts = (options.rows - options.moving) // 2
    pcns = options.rows - options.moving - trusts
    trust_codes = free_codes(
        [f"R{a}{b}" for a in ALPHANUMERIC for b in ALPHANUMERIC], trusts + options.moving, taken
    )
    pcn_codes = free_codes([f"U{n:05d}" for n in range(10000, 100000)], pcns, taken)
    moving, new_trusts = trust_codes[: options.moving], trust_codes[options.moving :]
    home = icbs[0]
    away = next(icb for icb in icbs if icb.region_id != home.region_id)

    recounts = []

    def count(sender, **kwargs):
        recounts.append(sender)

    places_changed.connect(count)
    with tempfile.TemporaryDirectory() as directory:
        try:
            with transaction.atomic():
                # Not timed: the trusts that will move, first imported in their old region.
                import_file(
                    [
                        ods_line(
                            code, f"MOVING DEMO TRUST {code}", home.region.ods_code, home.ods_code
                        )
                        for code in moving
                    ],
                    directory,
                    "before.csv",
                )
                lines = [
                    ods_line(
                        code, f"MOVING DEMO TRUST {code}", away.region.ods_code, away.ods_code
                    )
                    for code in moving
                ]
                for code in new_trusts:
                    icb = rng.choice(icbs)
                    lines.append(
                        ods_line(code, f"NEW DEMO TRUST {code}", icb.region.ods_code, icb.ods_code)
                    )
                for code in pcn_codes:
                    icb = rng.choice(icbs)
                    lines.append(
                        ods_line(code, f"NEW DEMO PCN {code}", icb.region.ods_code, icb.ods_code)
                    )
                rng.shuffle(lines)
                recounts.clear()
                started = time.perf_counter()
                import_file(lines, directory, "organisations.csv")
                elapsed, import_recounts = time.perf_counter() - started, len(recounts)
                started = time.perf_counter()
                places_changed.send(sender=Organisation)
                one_recount = time.perf_counter() - started
                raise RolledBack
        except RolledBack:
            pass
    places_changed.disconnect(count)
    print(
        f"Imported {options.rows:,} organisations ({trusts:,} new trusts, {pcns:,} new PCNs, "
        f"{options.moving:,} trusts moving region) in {elapsed:.1f} s, recounting everything "
        f"counted by place {import_recounts} time(s); one recount alone takes "
        f"{one_recount:.1f} s. Rolled back."
    )


if __name__ == "__main__":
    main()
