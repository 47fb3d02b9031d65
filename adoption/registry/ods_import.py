"""Import organisations from an NHS ODS CSV file: all or nothing, every bad row reported.

The layout is the standard ODS one (e.g. `etr.csv` for trusts, `epraccur.csv` for GP
practices): no header, 27 columns, of which these are read:

| column | field |
|---|---|
| 1 | organisation code (the ODS code) |
| 2 | name |
| 3 | national grouping: the NHS England region code (Y56–Y63) |
| 4 | high-level health geography: the ICB code, the organisation's parent |
| 5–9 | address lines (line 4 is the town, line 5 the county) |
| 10 | postcode |
| 11 | open date, YYYYMMDD |
| 12 | close date, YYYYMMDD, empty while open |

The rest (sub-type, telephone number, amended-record indicator and the empty columns) are
checked for count only. The command and the admin's upload share `plan_import` and
`apply_import`.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from adoption.registry.models import ODS_CODE_PATTERN, Organisation, OrganisationType
from adoption.registry.services import (
    note_moves,
    places_changing,
    places_of,
    refresh_icb_rollups,
)

COLUMNS = 27
BATCH = 1000
# The fields a row sets on the organisation itself; region and parent are linked afterwards.
OWN_FIELDS = ["name", "org_type", "opened_on", "closed_on", "is_active"]
CODE = re.compile(ODS_CODE_PATTERN)


@dataclass
class Row:
    line: int
    code: str
    name: str
    region_code: str
    parent_code: str
    opened_on: datetime.date | None
    closed_on: datetime.date | None
    org_type: str


@dataclass
class ImportPlan:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (line, reason)
    created: list = field(default_factory=list)  # ODS codes
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    closed: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def summary(self):
        return (
            f"{len(self.created)} to create, {len(self.updated)} to update, "
            f"{len(self.unchanged)} unchanged, {len(self.closed)} closed"
        )


def guess_type(code):
    """The organisation type an ODS code's shape implies, or None."""
    if re.fullmatch(r"Y\d\d", code):
        return OrganisationType.REGION
    if re.fullmatch(r"R[A-Z0-9]{2}", code):
        return OrganisationType.ACUTE_TRUST
    if re.fullmatch(r"[A-Z]\d{5}", code):
        return OrganisationType.GP_PRACTICE
    if re.fullmatch(r"U\d{5}", code):
        return OrganisationType.PCN
    if re.fullmatch(r"Q[A-Z0-9]{2}", code):
        return OrganisationType.ICB
    return None


def _date(text, line, label, errors):
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        errors.append((line, f"the {label} {text!r} is not a date in the form YYYYMMDD"))
        return None


def read_rows(data, *, org_type=None):
    """Parse the file's bytes into rows and per-line errors (nothing is looked up yet)."""
    rows, errors = [], []
    lines = data.splitlines()
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            errors.append((number, "the line is not valid UTF-8 text (bad encoding)"))
            continue
        if not text.strip():
            continue
        cells = next(csv.reader(io.StringIO(text)))
        if len(cells) != COLUMNS:
            errors.append((number, f"expected {COLUMNS} columns, found {len(cells)}"))
            continue
        code, name = cells[0].strip().upper(), cells[1].strip()
        before = len(errors)
        if not CODE.fullmatch(code):
            errors.append((number, f"the ODS code {cells[0]!r} is not 3 to 6 letters and digits"))
        if not name:
            errors.append((number, "the name is missing"))
        opened = _date(cells[10], number, "open date", errors)
        closed = _date(cells[11], number, "close date", errors)
        if opened and closed and closed < opened:
            errors.append((number, "the close date is before the open date"))
        kind = org_type or guess_type(code)
        if kind is None and CODE.fullmatch(code):
            errors.append(
                (number, f"cannot tell what kind of organisation {code} is: give --type")
            )
        if len(errors) == before:
            rows.append(
                Row(
                    line=number,
                    code=code,
                    name=name,
                    region_code=cells[2].strip().upper(),
                    parent_code=cells[3].strip().upper(),
                    opened_on=opened,
                    closed_on=closed,
                    org_type=kind,
                )
            )
    return rows, errors


def plan_import(data, *, org_type=None):
    """Check every row against the file and the database, and work out what would change."""
    plan = ImportPlan()
    rows, plan.errors = read_rows(data, org_type=org_type)
    seen = {}
    for row in rows:
        if row.code in seen:
            plan.errors.append((row.line, f"{row.code} already appears on line {seen[row.code]}"))
        seen.setdefault(row.code, row.line)
    in_file = set(seen)
    referenced = {r.region_code for r in rows} | {r.parent_code for r in rows}
    known = {o.ods_code: o for o in Organisation.objects.filter(ods_code__in=in_file | referenced)}
    regions = {code for code, o in known.items() if o.org_type == OrganisationType.REGION}
    regions |= {r.code for r in rows if r.org_type == OrganisationType.REGION}
    for row in rows:
        if row.region_code and row.region_code not in regions:
            plan.errors.append(
                (
                    row.line,
                    f"the national grouping {row.region_code!r} is not an NHS England region",
                )
            )
        if row.parent_code and row.parent_code not in known and row.parent_code not in in_file:
            plan.errors.append(
                (row.line, f"the parent {row.parent_code!r} is not a known organisation")
            )
    plan.errors.sort()
    if plan.errors:
        return plan
    plan.rows = rows
    for row in rows:
        current = known.get(row.code)
        if current is None:
            plan.created.append(row.code)
        elif (
            current.name,
            current.org_type,
            current.opened_on,
            current.closed_on,
            current.region.ods_code if current.region_id else "",
            current.parent.ods_code if current.parent_id else "",
        ) != (
            row.name,
            row.org_type,
            row.opened_on,
            row.closed_on,
            row.region_code,
            row.parent_code,
        ):
            plan.updated.append(row.code)
        else:
            plan.unchanged.append(row.code)
        if row.closed_on:
            plan.closed.append(row.code)
    return plan


@places_changing()
def apply_import(plan, *, progress=None):
    """Write a checked plan in bulk: create or update every row, link regions and parents, then
    refresh the ICB roll-up. Whatever moved is recounted once, at the end of the unit of work.
    Closed organisations become inactive; nothing is ever deleted."""
    if not plan.ok:
        raise ValueError("A plan with errors cannot be applied.")
    codes = {row.code for row in plan.rows}
    before = places_of(Organisation.objects.filter(ods_code__in=codes))
    for start in range(0, len(plan.rows), BATCH):
        rows = plan.rows[start : start + BATCH]
        Organisation.objects.bulk_create(
            [
                Organisation(
                    ods_code=row.code,
                    name=row.name,
                    org_type=row.org_type,
                    opened_on=row.opened_on,
                    closed_on=row.closed_on,
                    is_active=row.closed_on is None,
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["ods_code"],
            update_fields=[*OWN_FIELDS, "updated_at"],
        )
        if progress:
            progress(len(rows))
    linked = {r.region_code for r in plan.rows} | {r.parent_code for r in plan.rows}
    lookup = {
        o.ods_code: o for o in Organisation.objects.filter(ods_code__in=(codes | linked) - {""})
    }
    relinked = []
    for row in plan.rows:
        organisation = lookup[row.code]
        links = tuple(
            getattr(lookup.get(code), "pk", None) for code in (row.region_code, row.parent_code)
        )
        if (organisation.region_id, organisation.parent_id) != links:
            organisation.region_id, organisation.parent_id = links
            relinked.append(organisation)
    Organisation.objects.bulk_update(relinked, ["region", "parent"], batch_size=BATCH)
    note_moves([lookup[code] for code in codes], before)
    refresh_icb_rollups()
    return plan
