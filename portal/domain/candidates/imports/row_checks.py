"""Checking imported rows: names resolved to ids, the candidate rules, duplicates in the file."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from portal.db import current_engine
from portal.domain.candidates.imports.csv_file import FIELDS, ImportRow
from portal.domain.candidates.records import CandidateInput, candidate_check
from portal.domain.errors import ValidationFailed
from portal.domain.organisation.tables import Cohort, Department, Position
from portal.domain.tags.names import tag_names_parse
from portal.domain.validation import normalize_email, normalize_phone
from portal.i18n import gettext as _
from portal.i18n import ngettext

# What Excel writes for a long number in a column formatted as "General": 1.38001E+10.
_SCIENTIFIC_NUMBER = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
# Names are quoted back in messages; a pasted essay should not fill the page.
_QUOTE_LIMIT = 40


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


def _field_order(error: RowError) -> int:
    return FIELDS.index(error.field) if error.field in FIELDS else len(FIELDS)


def _name_key(text: str) -> str:
    """Names as matched: full-width folded, spaces collapsed, case ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _quoted(text: str) -> str:
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…"


class _NameIndex:
    """Ids by name; a name that two records share after folding matches only exactly."""

    def __init__(self, pairs: list[tuple[object, str, int]]) -> None:
        self._exact: dict[tuple[object, str], int] = {}
        self._folded: dict[tuple[object, str], int | None] = {}
        for scope, name, row_id in pairs:
            self._exact[(scope, name)] = row_id
            key = (scope, _name_key(name))
            self._folded[key] = None if key in self._folded else row_id

    def get(self, scope: object, name: str) -> int | None:
        exact = self._exact.get((scope, name))
        return exact if exact is not None else self._folded.get((scope, _name_key(name)))


@dataclass(frozen=True)
class _Lookups:
    departments: _NameIndex
    positions: _NameIndex  # scoped by department id
    cohorts: _NameIndex


async def _lookups() -> _Lookups:
    departments = await Department.select(Department.id, Department.name)
    positions = await Position.select(Position.id, Position.name, Position.department)
    cohorts = await Cohort.select(Cohort.id, Cohort.name)
    return _Lookups(
        departments=_NameIndex([(None, row["name"], row["id"]) for row in departments]),
        positions=_NameIndex([(row["department"], row["name"], row["id"]) for row in positions]),
        cohorts=_NameIndex([(None, row["name"], row["id"]) for row in cohorts]),
    )


def _duplicates_within(rows: list[ImportRow]) -> dict[int, list[RowError]]:
    """Rows sharing a phone, e-mail or external id: every one of them is flagged."""
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        phone = normalize_phone(row.values.get("phone", ""))
        try:
            email = normalize_email(row.values.get("email"))
        except ValueError:
            email = None
        external_id = row.values.get("external_id", "").strip()
        for name, value in (("phone", phone), ("email", email), ("external_id", external_id)):
            if value:
                seen[(name, value)].append(row.number)
    errors: dict[int, list[RowError]] = defaultdict(list)
    for (name, _value), numbers in seen.items():
        if len(numbers) < 2:
            continue
        for number in numbers:
            others = [other for other in numbers if other != number]
            errors[number].append(
                RowError(
                    name,
                    ngettext(
                        "The same value is also in row %(rows)s of this file.",
                        "The same value is also in rows %(rows)s of this file.",
                        len(others),
                        rows=", ".join(str(other) for other in others),
                    ),
                )
            )
    return errors


async def _check_row(row: ImportRow, lookups: _Lookups) -> CheckedRow:
    values = row.values
    errors: list[RowError] = []
    department_id = position_id = cohort_id = None

    department_name = values.get("department", "")
    if not department_name:
        errors.append(RowError("department", _("The department is missing.")))
    else:
        department_id = lookups.departments.get(None, department_name)
        if department_id is None:
            errors.append(
                RowError(
                    "department",
                    _("There is no department called “%(name)s”.", name=_quoted(department_name)),
                )
            )
    position_name = values.get("position", "")
    if position_name and department_id is not None:
        position_id = lookups.positions.get(department_id, position_name)
        if position_id is None:
            errors.append(
                RowError(
                    "position",
                    _(
                        "The department “%(department)s” has no position called “%(name)s”.",
                        department=_quoted(department_name),
                        name=_quoted(position_name),
                    ),
                )
            )
    cohort_name = values.get("cohort", "")
    if cohort_name:
        cohort_id = lookups.cohorts.get(None, cohort_name)
        if cohort_id is None:
            errors.append(
                RowError(
                    "cohort", _("There is no cohort called “%(name)s”.", name=_quoted(cohort_name))
                )
            )

    try:
        tag_names_parse(values.get("tags", ""))
    except ValidationFailed as failed:
        errors.append(RowError("tags", failed.errors["tags"]))

    data = CandidateInput(
        name=values.get("name", ""),
        phone=values.get("phone", ""),
        email=values.get("email") or None,
        department_id=department_id,
        position_id=position_id,
        cohort_id=cohort_id,
        external_id=values.get("external_id") or None,
    )
    try:
        # The same rules as a candidate typed into the form, against the database as it is.
        await candidate_check(data)
    except ValidationFailed as failed:
        named = {error.field for error in errors}
        for name, message in failed.errors.items():
            if name in named:
                continue  # already said more precisely, with the name from the file
            if name == "phone" and _SCIENTIFIC_NUMBER.match(values.get("phone", "")):
                message = _(
                    "Excel shortened this number to %(value)s. Format the column as text, "
                    "type the numbers again and save.",
                    value=values["phone"],
                )
            errors.append(RowError(name, message))
    errors.sort(key=_field_order)
    return CheckedRow(row=row, errors=errors, data=None if errors else data)


async def import_rows_check(rows: list[ImportRow]) -> list[CheckedRow]:
    """Every row checked against the database as it is now and against the other rows."""
    within = _duplicates_within(rows)
    checked: list[CheckedRow] = []
    # One connection (and one snapshot) for the thousands of small reads below; on SQLite
    # opening a connection per query would make a preview about three times slower.
    async with current_engine().transaction():
        lookups = await _lookups()
        for row in rows:
            result = await _check_row(row, lookups)
            if row.number in within:
                errors = sorted(
                    [*result.errors, *within[row.number]],
                    key=_field_order,
                )
                result = CheckedRow(row=row, errors=errors)
            checked.append(result)
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
