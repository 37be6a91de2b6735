"""Resolving a batch of candidates from outside: names to ids, the rules, duplicates, stored rows.

The CSV import and the API's bulk upsert both call :func:`candidate_batch_resolve`, so a
row means the same thing on both paths:

- **Names** (department, position within its department, cohort, stage code) match
  exactly, or else after folding (NFKC, spaces collapsed, case ignored) when only one
  record folds to that name: "  production   line " and "ＱＡ inspector" find
  "Production Line" and "QA Inspector"; two records that fold alike match only exactly.
- **The candidate rules** are those of the candidate form (``records.candidate_check``):
  a name, an 11-digit mobile, a valid e-mail, a position of the department, a cohort of
  the department (or of none), an external id of at most 100 characters.
- **Duplicates inside the batch** (the same phone, e-mail or external id): every row that
  shares the value is refused, each naming the others; which one is right is for a person
  to decide.
- **Values stored already** belong to another candidate, unless (``update_existing``, the
  API) the row updates that very candidate by external id, or an *earlier* row of the
  batch gives the value up: rows apply in order.

It reads in a fixed number of queries whatever the batch size: the names (four small
tables), the stored candidates holding any of the batch's phones, e-mails or external
ids (one query), and their tags when the batch sets tags.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from portal.domain.candidates.batch import sql
from portal.domain.candidates.records import CleanCandidate
from portal.domain.errors import ValidationFailed
from portal.domain.tags.names import tag_names_parse
from portal.domain.validation import name_check, normalize_email, normalize_phone
from portal.i18n import gettext as _
from portal.i18n import ngettext

# Field order of messages (the CSV template's column order, then the API's extras).
FIELD_ORDER = (
    "name", "phone", "email", "department", "position", "cohort", "external_id", "tags", "stage",
)  # fmt: skip
# Names are quoted back in messages; a pasted essay should not fill the page.
_QUOTE_LIMIT = 40
_KEYS = ("phone", "email", "external_id")


@dataclass(frozen=True)
class BatchRow:
    """One candidate as a file or a hiring system gives it: names, not ids."""

    name: str
    phone: str
    department: str
    email: str | None = None
    position: str | None = None
    cohort: str | None = None
    external_id: str | None = None
    stage: str | None = None  # a stage code; None: the first stage (new) or unchanged
    tags: str | Sequence[str] | None = None  # None leaves a stored candidate's tags


@dataclass(frozen=True)
class RowProblem:
    field: str
    message: str


@dataclass(frozen=True)
class StoredCandidate:
    id: int
    name: str
    phone: str
    email: str | None
    department: int
    position: int | None
    cohort: int | None
    stage: int
    status: str
    external_id: str | None
    ordinal: int


@dataclass
class ResolvedRow:
    index: int
    row: BatchRow
    problems: list[RowProblem] = field(default_factory=list)
    clean: CleanCandidate | None = None  # None when the row has problems
    stage_id: int | None = None
    tags: list[str] | None = None  # parsed names; None leaves them
    stored: StoredCandidate | None = None  # the candidate this row updates

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class StageInfo:
    id: int
    code: str
    sort_order: int


@dataclass
class BatchResolution:
    rows: list[ResolvedRow]
    stages: list[StageInfo]  # by sort order
    current_tags: dict[int, set[int]]  # stored candidate id → tag ids, when tags are set

    @property
    def valid(self) -> bool:
        return all(row.valid for row in self.rows)

    @property
    def problems(self) -> list[tuple[ResolvedRow, RowProblem]]:
        return [(row, problem) for row in self.rows for problem in row.problems]


def name_key(text: str) -> str:
    """A name as matched: full-width folded, spaces collapsed, case ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


class NameIndex:
    """Ids by name; a name that two records share after folding matches only exactly."""

    def __init__(self, pairs: list[tuple[object, str, int]]) -> None:
        self._exact: dict[tuple[object, str], int] = {}
        self._folded: dict[tuple[object, str], int | None] = {}
        for scope, name, row_id in pairs:
            self._exact[(scope, name)] = row_id
            key = (scope, name_key(name))
            self._folded[key] = None if key in self._folded else row_id

    def get(self, scope: object, name: str) -> int | None:
        exact = self._exact.get((scope, name))
        if exact is not None:
            return exact
        return self._folded.get((scope, name_key(name)))


@dataclass(frozen=True)
class _Names:
    departments: NameIndex
    positions: NameIndex  # scoped by department id
    cohorts: NameIndex
    cohort_departments: dict[int, int | None]
    stages: NameIndex
    stage_list: list[StageInfo]


async def _names() -> _Names:
    departments = await sql.run("SELECT id, name FROM department")
    positions = await sql.run("SELECT id, name, department FROM position")
    cohorts = await sql.run("SELECT id, name, department FROM cohort")
    stages = await sql.run("SELECT id, code, sort_order FROM stage ORDER BY sort_order, id")
    return _Names(
        departments=NameIndex([(None, r["name"], r["id"]) for r in departments]),
        positions=NameIndex([(r["department"], r["name"], r["id"]) for r in positions]),
        cohorts=NameIndex([(None, r["name"], r["id"]) for r in cohorts]),
        cohort_departments={r["id"]: r["department"] for r in cohorts},
        stages=NameIndex([(None, r["code"], r["id"]) for r in stages]),
        stage_list=[StageInfo(r["id"], r["code"], r["sort_order"]) for r in stages],
    )


def _quoted(text: str) -> str:
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…"


@dataclass
class _Keys:
    phone: str | None = None
    email: str | None = None
    external_id: str | None = None


def _check_row(
    index: int, row: BatchRow, names: _Names, *, require_external_id: bool
) -> tuple[ResolvedRow, _Keys]:
    errors: dict[str, str] = {}
    resolved = ResolvedRow(index=index, row=row)
    name = name_check(row.name, errors)
    phone = normalize_phone(row.phone or "")
    if phone is None:
        errors["phone"] = _("Enter an 11-digit mobile number, e.g. 13800138000.")
    try:
        email = normalize_email(row.email)
    except ValueError:
        email = None
        errors["email"] = _("This is not a valid e-mail address.")
    external_id = (row.external_id or "").strip() or None
    if external_id is None and require_external_id:
        errors["external_id"] = _("An external_id is required.")
    elif external_id and len(external_id) > 100:
        errors["external_id"] = _("An external id can be at most 100 characters long.")

    department_name = (row.department or "").strip()
    department_id = position_id = cohort_id = None
    if not department_name:
        errors["department"] = _("The department is missing.")
    else:
        department_id = names.departments.get(None, department_name)
        if department_id is None:
            errors["department"] = _(
                "There is no department called “%(name)s”.", name=_quoted(department_name)
            )
    position_name = (row.position or "").strip()
    if position_name and department_id is not None:
        position_id = names.positions.get(department_id, position_name)
        if position_id is None:
            errors["position"] = _(
                "The department “%(department)s” has no position called “%(name)s”.",
                department=_quoted(department_name),
                name=_quoted(position_name),
            )
    cohort_name = (row.cohort or "").strip()
    if cohort_name:
        cohort_id = names.cohorts.get(None, cohort_name)
        if cohort_id is None:
            errors["cohort"] = _("There is no cohort called “%(name)s”.", name=_quoted(cohort_name))
        elif department_id is not None and names.cohort_departments[cohort_id] not in (
            None,
            department_id,
        ):
            errors["cohort"] = _("This cohort trains another department.")
    if stage_code := (row.stage or "").strip():
        resolved.stage_id = names.stages.get(None, stage_code)
        if resolved.stage_id is None:
            errors["stage"] = _(
                'There is no stage with the code "%(code)s"; known codes: %(codes)s.',
                code=_quoted(stage_code),
                codes=", ".join(stage.code for stage in names.stage_list),
            )
    if row.tags is not None:
        try:
            resolved.tags = tag_names_parse(row.tags)
        except ValidationFailed as failed:
            errors["tags"] = failed.errors["tags"]

    resolved.problems = [RowProblem(name, message) for name, message in errors.items()]
    if not errors:
        assert department_id is not None and phone is not None
        resolved.clean = CleanCandidate(
            name=name,
            phone=phone,
            email=email,
            department_id=department_id,
            position_id=position_id,
            cohort_id=cohort_id,
            external_id=external_id,
        )
    return resolved, _Keys(phone=phone, email=email, external_id=external_id)


def _duplicate_message(others: list[int], where: Literal["file", "request"]) -> str:
    listed = ", ".join(str(other) for other in others)
    if where == "file":
        return ngettext(
            "The same value is also in row %(rows)s of this file.",
            "The same value is also in rows %(rows)s of this file.",
            len(others),
            rows=listed,
        )
    return ngettext(
        "The same value is also in item %(items)s of this request.",
        "The same value is also in items %(items)s of this request.",
        len(others),
        items=listed,
    )


def _duplicates_within(
    keys: list[_Keys], labels: Sequence[int], where: Literal["file", "request"]
) -> dict[int, list[RowProblem]]:
    """Every row sharing a phone, e-mail or external id with another row of the batch."""
    found: dict[int, list[RowProblem]] = defaultdict(list)
    for name in _KEYS:
        # First index by value, and the groups of indexes that share a value: a 10,000-row
        # file allocates next to nothing when nothing is shared.
        first: dict[str, int] = {}
        shared: dict[str, list[int]] = {}
        for index, row_keys in enumerate(keys):
            value = getattr(row_keys, name)
            if not value:
                continue
            earlier = first.setdefault(value, index)
            if earlier != index:
                shared.setdefault(value, [earlier]).append(index)
        for indexes in shared.values():
            for index in indexes:
                others = [labels[other] for other in indexes if other != index]
                found[index].append(RowProblem(name, _duplicate_message(others, where)))
    return found


async def _stored_holding(keys: list[_Keys]) -> list[StoredCandidate]:
    """Stored candidates with any of the batch's phones, e-mails or external ids: one query."""
    values = {name: sorted({v for k in keys if (v := getattr(k, name))}) for name in _KEYS}
    if not any(values.values()):
        return []
    conditions: list[str] = []
    args: list[Any] = []
    for name in _KEYS:
        if values[name]:
            condition, arguments = sql.in_list(name, values[name])
            conditions.append(condition)
            args.extend(arguments)
    rows = await sql.run(
        "SELECT id, name, phone, email, department, position, cohort, stage, status, "
        f"external_id, ordinal FROM candidate WHERE {' OR '.join(conditions)}",
        *args,
    )
    return [StoredCandidate(**row) for row in rows]


async def _tags_of(candidate_ids: list[int]) -> dict[int, set[int]]:
    """The tag ids each of these stored candidates carries."""
    if not candidate_ids:
        return {}
    condition, args = sql.in_list("candidate", candidate_ids)
    rows = await sql.run(f"SELECT candidate, tag FROM candidate_tag WHERE {condition}", *args)
    found: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        found[row["candidate"]].add(row["tag"])
    return found


def _conflicts(
    rows: list[ResolvedRow], keys: list[_Keys], stored: list[StoredCandidate], update: bool
) -> None:
    """Values another stored candidate holds, unless this row or an earlier one frees them."""
    holders = {(name, getattr(c, name)): c for c in stored for name in _KEYS if getattr(c, name)}
    by_external_id = {c.external_id: c for c in stored if c.external_id}
    # Which row (the first) updates each stored candidate, and what it sets.
    updated_by: dict[int, int] = {}
    if update:
        for resolved, row_keys in zip(rows, keys, strict=True):
            target = by_external_id.get(row_keys.external_id) if row_keys.external_id else None
            if target is not None:
                resolved.stored = target
                updated_by.setdefault(target.id, resolved.index)
    for resolved, row_keys in zip(rows, keys, strict=True):
        for name in _KEYS:
            value = getattr(row_keys, name)
            holder = holders.get((name, value)) if value else None
            if holder is None or (resolved.stored is not None and holder.id == resolved.stored.id):
                continue
            earlier = updated_by.get(holder.id)
            if (
                earlier is not None
                and earlier < resolved.index
                and getattr(keys[earlier], name) != value
                and rows[earlier].valid
            ):
                continue  # an earlier row gives this value up
            resolved.problems.append(
                RowProblem(name, _("Another candidate already has this value."))
            )


async def candidate_batch_resolve(
    rows: Sequence[BatchRow],
    *,
    labels: Sequence[int] | None = None,
    where: Literal["file", "request"] = "request",
    update_existing: bool = False,
    require_external_id: bool = False,
) -> BatchResolution:
    """Check and resolve ``rows`` against the database as it is now (see the module doc).

    ``labels`` name the rows in messages about duplicates (the spreadsheet's row numbers,
    or the request's item indexes, the default). Writes nothing.
    """
    labels = list(labels) if labels is not None else list(range(len(rows)))
    names = await _names()
    checked = [
        _check_row(index, row, names, require_external_id=require_external_id)
        for index, row in enumerate(rows)
    ]
    resolved = [row for row, _keys in checked]
    keys = [row_keys for _row, row_keys in checked]
    for index, problems in _duplicates_within(keys, labels, where).items():
        resolved[index].problems.extend(problems)
    stored = await _stored_holding(keys)
    _conflicts(resolved, keys, stored, update_existing)
    order = {name: position for position, name in enumerate(FIELD_ORDER)}
    for row in resolved:
        if row.problems:
            row.clean = None
            row.problems.sort(key=lambda problem: order.get(problem.field, len(order)))
    tagged = sorted({r.stored.id for r in resolved if r.stored and r.tags is not None})
    return BatchResolution(
        rows=resolved, stages=names.stage_list, current_tags=await _tags_of(tagged)
    )
