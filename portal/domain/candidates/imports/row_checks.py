"""Checking imported rows: the shared candidate-batch resolver, with the file's row numbers.

Names, the candidate rules and duplicates are resolved by
:mod:`portal.domain.candidates.batch.resolve`, exactly as for the API's bulk upsert;
this module only speaks the file's language (row numbers, Excel's habits).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from portal.domain.candidates.batch.resolve import (
    BatchResolution,
    BatchRow,
    candidate_batch_resolve,
)
from portal.domain.candidates.imports.csv_file import ImportRow
from portal.domain.candidates.records import CandidateInput
from portal.domain.organisation.tables import Cohort, Department, Position
from portal.i18n import gettext as _

# What Excel writes for a long number in a column formatted as "General": 1.38001E+10.
_SCIENTIFIC_NUMBER = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


@dataclass(frozen=True)
class RowError:
    field: str
    message: str


@dataclass(frozen=True)
class CheckedRow:
    row: ImportRow
    errors: list[RowError] = field(default_factory=list)
    data: CandidateInput | None = None  # names resolved to ids; None when invalid

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def number(self) -> int:
        return self.row.number

    def value(self, name: str) -> str:
        return self.row.values.get(name, "")


def import_batch_row(row: ImportRow) -> BatchRow:
    values = row.values
    return BatchRow(
        name=values.get("name", ""),
        phone=values.get("phone", ""),
        department=values.get("department", ""),
        email=values.get("email") or None,
        position=values.get("position") or None,
        cohort=values.get("cohort") or None,
        external_id=values.get("external_id") or None,
        tags=values.get("tags") or None,
    )


async def import_rows_resolve(rows: list[ImportRow]) -> BatchResolution:
    """The rows as a batch of new candidates (an import creates; it never updates)."""
    return await candidate_batch_resolve(
        [import_batch_row(row) for row in rows],
        labels=[row.number for row in rows],
        where="file",
    )


def _row_errors(row: ImportRow, problems: list) -> list[RowError]:
    errors = []
    for problem in problems:
        message = problem.message
        if problem.field == "phone" and _SCIENTIFIC_NUMBER.match(row.values.get("phone", "")):
            message = _(
                "Excel shortened this number to %(value)s. Format the column as text, "
                "type the numbers again and save.",
                value=row.values["phone"],
            )
        errors.append(RowError(problem.field, message))
    return errors


async def import_rows_check(rows: list[ImportRow]) -> list[CheckedRow]:
    """Every row checked against the database as it is now and against the other rows."""
    resolution = await import_rows_resolve(rows)
    checked: list[CheckedRow] = []
    for row, resolved in zip(rows, resolution.rows, strict=True):
        clean = resolved.clean
        data = (
            None
            if clean is None
            else CandidateInput(
                name=clean.name,
                phone=clean.phone,
                email=clean.email,
                department_id=clean.department_id,
                position_id=clean.position_id,
                cohort_id=clean.cohort_id,
                external_id=clean.external_id,
            )
        )
        checked.append(CheckedRow(row=row, errors=_row_errors(row, resolved.problems), data=data))
    return checked


@dataclass(frozen=True)
class KnownDepartment:
    name: str
    positions: list[str]


@dataclass(frozen=True)
class KnownNames:
    """The names a file may use, listed on the upload page."""

    departments: list[KnownDepartment]
    cohorts: list[str]


async def import_known_names() -> KnownNames:
    departments = await Department.select(Department.id, Department.name).order_by(Department.name)
    positions = await Position.select(Position.name, Position.department).order_by(Position.name)
    cohorts = await Cohort.select(Cohort.name).order_by(Cohort.starts_at, ascending=False)
    by_department: dict[int, list[str]] = defaultdict(list)
    for row in positions:
        by_department[row["department"]].append(row["name"])
    return KnownNames(
        departments=[
            KnownDepartment(name=row["name"], positions=by_department[row["id"]])
            for row in departments
        ],
        cohorts=[row["name"] for row in cohorts],
    )
