"""Spreadwatch under mixed load: innovation leads writing while national teams read, against
gunicorn started from the production settings file, on PostgreSQL. Writes
bench/results/load-<scale>.md; exits non-zero when a target of PRODUCT.md §7 is missed.

1. Seeds the scale's database once (shared with bench/run) and adds 40 lead accounts
   (`loadlead01`…), each leading its own acute trust.
2. Serves the app with `gunicorn -c adoption/config/gunicorn.py`, nothing cached.
3. Runs locust (bench/locustfile.py) headless: 50 users — 40 leads, 10 national — arriving
   two a second and thinking 2–10 s between steps, for 5 minutes (`--quick`: `national`
   scale, 90 seconds).
4. Counts barriers, actions, edits and stage changes before and after, against the writes the
   app acknowledged.
5. Then the ceiling of the stack: the same mix with no think time, and `/healthz` alone, each
   with 20 users.

Passes only with no 5xx, a p95 of at most 500 ms for every kind of request, and every
acknowledged write stored.

With `--replica URL` (a streaming replica of the benchmark's database, as
DATABASE_REPLICA_URLS takes it) and `--cache-url redis://…`, the app reads from the replica
and caches in Redis; the report (load-<scale>-replica.md) says how many rows each database
returned to queries during the mixed run, from PostgreSQL's own statistics.
"""

import argparse
import csv
import datetime
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from stack import PYTHON, ROOT, bench_env, clear_cache, django_says, prepare, run, serving

TARGET_P95_MS = 500
LEADS = 40
USERS = 50

SETUP = """
from django.contrib.auth import get_user_model
from adoption.accounts.models import Membership, Role
from adoption.barriers.models import Adoption
from adoption.registry.models import Innovation, Organisation, OrganisationType
User = get_user_model()
national = User.objects.get(username="national")
taken = set(Membership.objects.values_list("organisation_id", flat=True))
trusts = [
    t for t in Organisation.objects.filter(org_type=OrganisationType.ACUTE_TRUST, is_active=True)
    .order_by("ods_code") if t.pk not in taken or
    Membership.objects.filter(organisation=t, user__username__startswith="loadlead").exists()
]
for number, trust in zip(range(1, LEADS + 1), trusts):
    user, _ = User.objects.get_or_create(username=f"loadlead{number:02d}")
    user.password = national.password  # the demo password, hashed once
    user.save()
    Membership.objects.get_or_create(
        user=user, organisation=trust, defaults={"role": Role.INNOVATION_LEAD}
    )
innovations = list(Innovation.objects.order_by("id").values_list("id", flat=True)[:20])
regions = list(Organisation.objects.regions().values_list("ods_code", flat=True))
print(",".join(map(str, innovations)) + ";" + ",".join(regions))
"""

COUNTS = """
from adoption.barriers.models import Barrier, EnablerAction, StageChange
print(Barrier.objects.count(), EnablerAction.objects.count(), StageChange.objects.count(),
      Barrier.objects.filter(description__contains="[edited under load]").count())
"""
# What each acknowledged write adds: the row count it must raise, by position in COUNTS.
WRITES = {
    "log a barrier (save)": 0,
    "record an action (save)": 1,
    "move a stage (save)": 2,
    "edit a barrier (save)": 3,
}


def counts(env):
    return [int(n) for n in django_says(COUNTS, env).split()]


def locust(base, env, scratch, name, *, users, seconds, think, classes, spawn_rate=2):
    """Run locust headless; its stats rows and what it acknowledged."""
    prefix = Path(scratch) / name
    acks = Path(scratch) / f"{name}-acks.json"
    run(
        PYTHON,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
        env={**env, "LOAD_THINK": think, "LOAD_ACKS": str(acks)},
        check=False,
        capture=True,
    )
    with open(f"{prefix}_stats.csv") as handle:
        stats = list(csv.DictReader(handle))
    with open(f"{prefix}_failures.csv") as handle:
        failures = list(csv.DictReader(handle))
    return stats, failures, json.loads(acks.read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="national scale, 90 seconds")
    parser.add_argument("--scale", choices=["national", "stress"])
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--replica", help="a streaming replica's URL (DATABASE_REPLICA_URLS)")
    parser.add_argument("--cache-url", help="a shared Redis (CACHE_URL)")
    options = parser.parse_args()
    scale = options.scale or ("national" if options.quick else "stress")
    seconds = options.seconds or (90 if options.quick else 300)
    database = f"spreadwatch_bench_{scale}"
    env = bench_env(database)
    prepare(env, database, scale)
    innovations, regions = django_says(SETUP.replace("LEADS", str(LEADS)), env).split(";")
    env |= {
        "LOAD_LEADS": str(LEADS),
        "LOAD_PASSWORD": "spreadwatch-demo",
        "LOAD_INNOVATIONS": innovations,
        "LOAD_REGIONS": regions,
    }
    if options.replica:
        env["DATABASE_REPLICA_URLS"] = options.replica
    if options.cache_url:
        env["CACHE_URL"] = options.cache_url
    clear_cache(env)
    before = counts(env)
    databases = {"primary": env["DATABASE_URL"], "replica": options.replica}
    read_before = rows_read(databases)
    scratch = tempfile.mkdtemp(prefix="spreadwatch-load-")
    with serving(env, "-c", "adoption/config/gunicorn.py") as base:
        mixed, failures, acks = locust(
            base,
            env,
            scratch,
            "mixed",
            users=USERS,
            seconds=seconds,
            think="2,10",
            classes=["Lead", "National"],
        )
        after = counts(env)
        read = rows_read(databases, since=read_before)
        ceiling_seconds = 30 if options.quick else 60
        busy, _, _ = locust(
            base,
            env,
            scratch,
            "ceiling",
            users=20,
            seconds=ceiling_seconds,
            think="0,0",
            classes=["Lead", "National"],
            spawn_rate=20,
        )
        trivial, _, _ = locust(
            base,
            env,
            scratch,
            "healthz",
            users=20,
            seconds=ceiling_seconds,
            think="0,0",
            classes=["Healthz"],
            spawn_rate=20,
        )
    stored = {
        kind: (acks["acknowledged"].get(kind, 0), after[at] - before[at])
        for kind, at in WRITES.items()
    }
    report, missed = write_report(
        scale, seconds, mixed, failures, acks, stored, busy, trivial, read, options
    )
    print(report)
    if missed:
        print("Missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


def rows_read(databases, since=None):
    """{name: rows its database has returned to queries (tup_returned + tup_fetched)} for the
    databases given, less `since`; PostgreSQL counts a connection's reads when it is idle."""
    if since is not None:
        time.sleep(12)  # an idle connection reports its counts within 10 s
    found = {}
    for name, url in databases.items():
        if not url:
            continue
        database = url.rsplit("/", 1)[1]
        out = run(
            "psql",
            url,
            "-Atc",
            "SELECT tup_returned + tup_fetched FROM pg_stat_database "
            f"WHERE datname = '{database}'",
            env=os.environ,
            capture=True,
        ).stdout
        found[name] = int(out.strip()) - (since or {}).get(name, 0)
    return found


def total(stats):
    return next(row for row in stats if row["Name"] == "Aggregated")


def write_report(scale, seconds, mixed, failures, acks, stored, busy, trivial, read, options):
    server_errors = sum(
        int(row["Occurrences"]) for row in failures if re.search(r"\b5\d\d\b", row["Error"])
    )
    lines = [
        f"# Mixed load: `{scale}` scale",
        "",
        f"`bench/load`, {datetime.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores: "
        f"{USERS} users ({LEADS} leads writing, {USERS - LEADS} national readers) thinking "
        f"2–10 s between steps for {seconds} s, against `gunicorn -c adoption/config/gunicorn.py`"
        " (production settings) on PostgreSQL, started with nothing cached; locust on the same "
        "machine. Times in milliseconds."
        + (
            f" Reads from a streaming replica ({options.replica.split('@')[-1]}), figures cached "
            f"in {'Redis' if options.cache_url else 'the database'}."
            if options.replica
            else ""
        ),
        "",
        "| request | count | p50 | p95 | p99 | max | failures | p95 ≤ 500 ms |",
        "|---|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    missed = []
    for row in mixed:
        if row["Name"] == "Aggregated":
            continue
        met = float(row["95%"]) <= TARGET_P95_MS
        if not met:
            missed.append(f"p95 of {row['Name']}")
        lines.append(
            f"| {row['Name']} | {row['Request Count']} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} | {float(row['Max Response Time']):.0f} | {row['Failure Count']} | "
            f"{'yes' if met else '**no**'} |"
        )
    everything = total(mixed)
    lines += [
        f"| **all** | {everything['Request Count']} | {everything['50%']} | {everything['95%']}"
        f" | {everything['99%']} | {float(everything['Max Response Time']):.0f} | "
        f"{everything['Failure Count']} | |",
        "",
        f"Throughput {float(everything['Requests/s']):.1f} requests/s; {server_errors} server "
        "errors (5xx).",
        "",
        "| write | acknowledged | stored | all stored |",
        "|---|---:|---:|:-:|",
    ]
    if server_errors:
        missed.append(f"{server_errors} server errors")
    for kind, (acknowledged, found) in stored.items():
        ok = found == acknowledged
        if not ok:
            missed.append(f"{kind}: {acknowledged} acknowledged, {found} stored")
        lines.append(f"| {kind} | {acknowledged} | {found} | {'yes' if ok else '**no**'} |")
    refused = ", ".join(f"{kind} {n}" for kind, n in acks["refused"].items()) or "none"
    ceiling, healthz = float(total(busy)["Requests/s"]), float(total(trivial)["Requests/s"])
    lines += [
        "",
        f"Writes answered with the form again (a validation error): {refused}.",
        "",
        "**Ceiling** (20 users, no think time): the same mix at "
        f"{ceiling:.1f} requests/s (p95 {total(busy)['95%']} ms); `/healthz` alone at "
        f"{healthz:.1f} requests/s: the mix runs at {ceiling / healthz:.0%} of the stack's "
        "trivial-page rate.",
    ]
    if options.replica:
        share = read["replica"] / (read["replica"] + read["primary"])
        lines += [
            "",
            f"**Where reads landed** during the mixed run (rows returned to queries, from "
            f"`pg_stat_database`): replica {read['replica']:,}, primary {read['primary']:,}: "
            f"{share:.0%} on the replica.",
        ]
    text = "\n".join(lines) + "\n"
    suffix = "-replica" if options.replica else ""
    (ROOT / "bench" / "results" / f"load-{scale}{suffix}.md").write_text(text)
    return text, missed


if __name__ == "__main__":
    sys.exit(main())
