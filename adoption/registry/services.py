"""Writes to reference data: loading NHS England's regions and ICBs, and keeping the ICB
roll-up of every organisation true after mergers and closures."""

import csv
import datetime
from pathlib import Path

from django.db import transaction

from adoption.registry.models import Organisation, OrganisationType
from adoption.registry.signals import places_changed

ICB_REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "nhs-england-icbs.csv"


def primary_successor_ids(organisations):
    """Map each closed organisation's id to the successor its history counts under.

    `rolls_up_to` decides when set; otherwise the only successor, or, with several, the one
    with the lowest ODS code, so that the answer never depends on row order.
    """
    successors = {}
    through = Organisation.successors.through.objects.filter(
        from_organisation_id__in=[org.id for org in organisations if org.closed_on]
    ).values_list("from_organisation_id", "to_organisation__ods_code", "to_organisation_id")
    for from_id, _code, to_id in sorted(through, key=lambda row: (row[0], row[1])):
        successors.setdefault(from_id, to_id)
    for org in organisations:
        if org.closed_on and org.rolls_up_to_id:
            successors[org.id] = org.rolls_up_to_id
    return successors


def refresh_icb_rollups():
    """Recompute `Organisation.icb` for every organisation; return how many changed.

    An ICB rolls up to itself while open and to its primary successor (followed until an open
    one) once closed. Any other organisation rolls up to the ICB of its parent chain. So a
    barrier logged at a trust under an ICB that closed on 2026-04-01 counts under the ICB that
    took its place.
    """
    organisations = list(
        Organisation.objects.only(
            "id", "org_type", "parent_id", "closed_on", "rolls_up_to_id", "icb_id"
        )
    )
    by_id = {org.id: org for org in organisations}
    successor_of = primary_successor_ids(organisations)

    def current(org_id):
        seen = set()
        while org_id in successor_of and org_id not in seen:
            seen.add(org_id)
            org_id = successor_of[org_id]
        return org_id

    memo = {}

    def icb_of(org_id, depth=0):
        if org_id in memo:
            return memo[org_id]
        org = by_id[org_id]
        if org.org_type == OrganisationType.ICB:
            result = current(org.id)
        elif org.parent_id and depth < 10:
            result = icb_of(org.parent_id, depth + 1)
        else:
            result = None
        memo[org_id] = result
        return result

    changed = []
    for org in organisations:
        icb_id = icb_of(org.id)
        if org.icb_id != icb_id:
            org.icb_id = icb_id
            changed.append(org)
    Organisation.objects.bulk_update(changed, ["icb"], batch_size=1000)
    if changed:
        places_changed.send(sender=Organisation)
    return len(changed)


def _date(text):
    return datetime.date.fromisoformat(text) if text else None


@transaction.atomic
def load_nhs_england_icbs(path=ICB_REFERENCE_FILE):
    """Create or update the seven NHS England regions and every ICB, open and closed, with the
    successors of the closed ones. Returns the ICBs by ODS code."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    regions = {}
    for row in rows:
        if row["region_code"] not in regions:
            regions[row["region_code"]], _ = Organisation.objects.update_or_create(
                ods_code=row["region_code"],
                defaults={
                    "name": f"NHS England — {row['region_name']}",
                    "org_type": OrganisationType.REGION,
                    "is_active": True,
                },
            )

    icbs = {}
    for row in rows:
        closed_on = _date(row["closed"])
        icbs[row["ods_code"]], _ = Organisation.objects.update_or_create(
            ods_code=row["ods_code"],
            defaults={
                "name": row["name"],
                "org_type": OrganisationType.ICB,
                "region": regions[row["region_code"]],
                "parent": regions[row["region_code"]],
                "opened_on": _date(row["opened"]),
                "closed_on": closed_on,
                "is_active": closed_on is None,
            },
        )
    for row in rows:
        codes = [code for code in row["successors"].split(";") if code]
        icb = icbs[row["ods_code"]]
        icb.successors.set([icbs[code] for code in codes])
        primary = icbs[codes[0]] if codes else None
        if icb.rolls_up_to != primary:
            icb.rolls_up_to = primary
            icb.save(update_fields=["rolls_up_to"])
    refresh_icb_rollups()
    return icbs
