"""Writes to reference data: saving organisations, loading NHS England's regions and ICBs, and
keeping the ICB roll-up of every organisation true after mergers and closures.

Everything counted by place (the dashboards' tallies and roll-ups) depends on each
organisation's region, ICB roll-up and type. Every write here runs inside `places_changing()`,
a unit of work that notes whether any organisation moved and, at the end of the outermost
block, sends `places_changed` once, so a bulk import or reference load is recounted once,
not once per row. The announcement is sent inside the unit's transaction, so the recount
commits or rolls back with the moves.
"""

import csv
import datetime
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from django.db import transaction

from adoption.registry.models import Organisation, OrganisationType
from adoption.registry.signals import places_changed

ICB_REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "nhs-england-icbs.csv"


class _Unit:
    moved = False


_unit = ContextVar("places_changing", default=None)


@contextmanager
def places_changing():
    """Run writes to organisations as one unit of work: in one transaction, with one
    `places_changed` at the end of the outermost block if anything counted by place changed,
    and none if the block fails. Blocks nest; usable as a decorator too."""
    if _unit.get() is not None:
        with transaction.atomic():
            yield
        return
    unit = _Unit()
    with transaction.atomic():
        token = _unit.set(unit)
        try:
            yield
        finally:
            _unit.reset(token)
        if unit.moved:
            places_changed.send(sender=Organisation)


def note_move():
    """Note, in the open unit of work, that something counted by place changed: an
    organisation's region, ICB roll-up or type. Everything is recounted at its end."""
    unit = _unit.get()
    if unit is None:
        raise RuntimeError("Organisations move only inside `places_changing()`.")
    unit.moved = True


def places_of(organisations):
    """{id: (region_id, org_type)} of a queryset of organisations, as stored now."""
    return {
        pk: (region_id, org_type)
        for pk, region_id, org_type in organisations.values_list("pk", "region_id", "org_type")
    }


def note_moves(organisations, before):
    """Note a move in the open unit of work if any of `organisations` has another region or
    type than `before` ({id: (region_id, org_type)} from `places_of` before the change)."""
    if any(
        org.pk in before and before[org.pk] != (org.region_id, org.org_type)
        for org in organisations
    ):
        note_move()


@places_changing()
def save_organisation(*, by, organisation):
    """Save an organisation and keep the ICB roll-up true. A new region or type, or through a
    new parent or closure a new ICB roll-up for it or its children, is recounted once, at the
    end of the unit of work. `by` is the person making the change."""
    stored = (
        Organisation.objects.filter(pk=organisation.pk)
        .values_list("region_id", "org_type", "icb_id")
        .first()
    )
    if stored:
        # The ICB roll-up is kept by `refresh_icb_rollups`, never written back from memory.
        organisation.icb_id = stored[2]
        if stored[:2] != (organisation.region_id, organisation.org_type):
            note_move()
    organisation.save()
    refresh_icb_rollups()
    organisation.refresh_from_db(fields=["icb"])
    return organisation


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


@places_changing()
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
        note_move()
    return len(changed)


def _date(text):
    return datetime.date.fromisoformat(text) if text else None


@places_changing()
def load_nhs_england_icbs(path=ICB_REFERENCE_FILE):
    """Create or update the seven NHS England regions and every ICB, open and closed, with the
    successors of the closed ones; whatever moved is recounted once. Returns the ICBs by ODS
    code."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    codes = {row["region_code"] for row in rows} | {row["ods_code"] for row in rows}
    before = places_of(Organisation.objects.filter(ods_code__in=codes))

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
    note_moves([*regions.values(), *icbs.values()], before)
    refresh_icb_rollups()
    return icbs
