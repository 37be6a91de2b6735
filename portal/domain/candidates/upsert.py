"""Candidates as a hiring system sees them: keyed by ``external_id``, stages by code.

The bulk upsert is all or nothing, in one write transaction: items are applied in order
through the ordinary candidate services (so every rule of theirs applies), each failing
item is collected, and if any failed the transaction is rolled back and the error names
every bad item. Bulk upserts are serialised with each other (SQLite's write lock, an
advisory lock on PostgreSQL), so a request retried while the first is still running sees
the first one's result ("unchanged") instead of tripping over its half-done rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.engine.postgres import PostgresEngine

from portal.auth.tokens import hash_token
from portal.db import current_engine, write_transaction
from portal.domain.candidates.login_links import login_link_create
from portal.domain.candidates.records import (
    CandidateInput,
    candidate_create,
    candidate_move_stage,
    candidate_update,
)
from portal.domain.candidates.tables import Candidate, LoginLink
from portal.domain.errors import DomainError, NotFound, ValidationFailed
from portal.domain.organisation.tables import Cohort, Department, Position, Stage
from portal.domain.tags.names import candidate_tags_set, tag_names_parse
from portal.domain.validation import normalize_email, normalize_phone
from portal.i18n import gettext as _
from portal.i18n import ngettext

# Any constant works; it only has to be the same in every process.
_UPSERT_LOCK_KEY = 0x6F6E72616D70  # "onramp"
_IN_CHUNK = 500  # stay well under the database's limit on bound parameters


@dataclass(frozen=True)
class UpsertItem:
    external_id: str
    name: str
    phone: str
    department: str
    email: str | None = None
    position: str | None = None
    cohort: str | None = None
    stage: str | None = None
    # None: leave the candidate's tags; a sequence replaces them.
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ItemError:
    index: int
    external_id: str
    field: str
    message: str


class BulkItemsInvalid(DomainError):
    def __init__(self, errors: list[ItemError]) -> None:
        self.errors = errors
        first = errors[0]
        parts = [
            _(
                'Item %(index)s (external_id "%(external_id)s"), %(field)s: %(problem)s',
                index=first.index,
                external_id=first.external_id,
                field=first.field,
                problem=first.message,
            )
        ]
        if len(errors) > 1:
            parts.append(
                ngettext(
                    "There is %(num)s more problem.",
                    "There are %(num)s more problems.",
                    len(errors) - 1,
                )
            )
        parts.append(_("Nothing was saved."))
        super().__init__(" ".join(parts))


@dataclass(frozen=True)
class UpsertOutcome:
    external_id: str
    id: int
    result: str  # "created" | "updated" | "unchanged"


@dataclass(frozen=True)
class _Names:
    """Name → id maps for what a hiring system refers to by name or code."""

    departments: dict[str, int]
    positions: dict[tuple[int, str], int]
    cohorts: dict[str, int]
    stages: dict[str, int]


async def _load_names() -> _Names:
    return _Names(
        departments={
            r["name"]: r["id"] for r in await Department.select(Department.id, Department.name)
        },
        positions={
            (r["department"], r["name"]): r["id"]
            for r in await Position.select(Position.id, Position.name, Position.department)
        },
        cohorts={r["name"]: r["id"] for r in await Cohort.select(Cohort.id, Cohort.name)},
        stages={r["code"]: r["id"] for r in await Stage.select(Stage.id, Stage.code)},
    )


async def _candidates_by_external_id(external_ids: list[str]) -> dict[str, Candidate]:
    found: dict[str, Candidate] = {}
    wanted = sorted({external_id for external_id in external_ids if external_id})
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        for candidate in await Candidate.objects().where(Candidate.external_id.is_in(chunk)):
            found[candidate.external_id] = candidate
    return found


async def _serialise_bulk_upserts() -> None:
    """On PostgreSQL, wait for any other bulk upsert to commit (SQLite's IMMEDIATE does this)."""
    if isinstance(current_engine(), PostgresEngine):
        await Candidate.raw("SELECT pg_advisory_xact_lock({})", _UPSERT_LOCK_KEY)


def _duplicates_within(items: list[UpsertItem]) -> dict[int, dict[str, str]]:
    """Later items repeating an earlier item's external_id, phone or e-mail."""
    errors: dict[int, dict[str, str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        keys = [("external_id", item.external_id.strip())]
        if phone := normalize_phone(item.phone):
            keys.append(("phone", phone))
        try:
            if email := normalize_email(item.email):
                keys.append(("email", email))
        except ValueError:
            pass  # candidate_create reports the malformed address
        for key in keys:
            if key[1] and key in seen:
                errors.setdefault(index, {})[key[0]] = _(
                    "Same as item %(index)s in this request.", index=seen[key]
                )
            else:
                seen.setdefault(key, index)
    return errors


def _resolve(item: UpsertItem, names: _Names) -> tuple[CandidateInput, int | None, dict[str, str]]:
    """The item as service input, with names and codes turned into ids."""
    errors: dict[str, str] = {}
    external_id = item.external_id.strip()
    if not external_id:
        errors["external_id"] = _("An external_id is required.")
    department = item.department.strip()
    department_id = names.departments.get(department)
    if department_id is None:
        errors["department"] = _('There is no department named "%(name)s".', name=department)
    position_id = None
    if position := (item.position or "").strip():
        position_id = names.positions.get((department_id, position))  # type: ignore[arg-type]
        if position_id is None and department_id is not None:
            errors["position"] = _(
                'The department has no position named "%(name)s".', name=position
            )
    cohort_id = None
    if cohort := (item.cohort or "").strip():
        cohort_id = names.cohorts.get(cohort)
        if cohort_id is None:
            errors["cohort"] = _('There is no cohort named "%(name)s".', name=cohort)
    stage_id = None
    if stage := (item.stage or "").strip():
        stage_id = names.stages.get(stage)
        if stage_id is None:
            errors["stage"] = _(
                'There is no stage with the code "%(code)s"; known codes: %(codes)s.',
                code=stage,
                codes=", ".join(names.stages),
            )
    if item.tags is not None:
        try:
            tag_names_parse(list(item.tags))
        except ValidationFailed as failed:
            errors["tags"] = failed.errors["tags"]
    data = CandidateInput(
        name=item.name,
        phone=item.phone,
        email=item.email,
        department_id=department_id,
        position_id=position_id,
        cohort_id=cohort_id,
        external_id=external_id,
    )
    return data, stage_id, errors


def _same_as_stored(data: CandidateInput, candidate: Candidate) -> bool:
    """True when saving ``data`` would change nothing (compared as the services store it)."""
    try:
        email = normalize_email(data.email)
    except ValueError:
        return False
    return (
        " ".join(data.name.split()),
        normalize_phone(data.phone),
        email,
        data.department_id,
        data.position_id,
        data.cohort_id,
    ) == (
        candidate.name,
        candidate.phone,
        candidate.email,
        candidate.department,
        candidate.position,
        candidate.cohort,
    )


async def _apply(
    data: CandidateInput,
    stage_id: int | None,
    stored: Candidate | None,
    source: str,
    tags: tuple[str, ...] | None = None,
) -> UpsertOutcome:
    external_id = data.external_id or ""
    if stored is None:
        created = await candidate_create(data=data, stage_id=stage_id, source=source)
        if tags:
            await candidate_tags_set(candidate_id=created.id, tags=list(tags))
        return UpsertOutcome(external_id, created.id, "created")
    changed = False
    if not _same_as_stored(data, stored):
        await candidate_update(
            candidate_id=stored.id, data=data, source="import" if source == "import" else "api"
        )
        changed = True
    if stage_id is not None and stage_id != stored.stage:
        changed = (
            await candidate_move_stage(candidate_id=stored.id, stage_id=stage_id, source=source)
            or changed
        )
    if tags is not None:
        changed = await candidate_tags_set(candidate_id=stored.id, tags=list(tags)) or changed
    return UpsertOutcome(external_id, stored.id, "updated" if changed else "unchanged")


async def candidates_upsert(*, items: list[UpsertItem], source: str = "api") -> list[UpsertOutcome]:
    """Create or update every item by external_id; raises BulkItemsInvalid, saving nothing."""
    errors: list[ItemError] = []
    outcomes: list[UpsertOutcome] = []
    async with write_transaction():
        await _serialise_bulk_upserts()
        names = await _load_names()
        stored = await _candidates_by_external_id([item.external_id.strip() for item in items])
        duplicates = _duplicates_within(items)
        for index, item in enumerate(items):
            data, stage_id, item_errors = _resolve(item, names)
            item_errors.update(duplicates.get(index, {}))
            failed_in_database = False
            if not item_errors:
                try:
                    outcomes.append(
                        await _apply(
                            data, stage_id, stored.get(data.external_id or ""), source, item.tags
                        )
                    )
                except ValidationFailed as failed:
                    item_errors = failed.errors
                    # A unique index refused the row (a concurrent writer won the race);
                    # PostgreSQL accepts no further statement in this transaction.
                    failed_in_database = failed.__cause__ is not None
            errors.extend(
                ItemError(index, item.external_id, field, message)
                for field, message in item_errors.items()
            )
            if failed_in_database:
                break
        if errors:
            # Raising inside the transaction rolls back the items already applied.
            raise BulkItemsInvalid(errors)
    return outcomes


async def candidate_by_external_id(external_id: str) -> Candidate:
    candidate = await Candidate.objects().get(Candidate.external_id == external_id)
    if candidate is None:
        raise NotFound(
            _(
                'There is no candidate with the external_id "%(external_id)s".',
                external_id=external_id,
            )
        )
    return candidate


async def candidate_move_stage_by_code(
    *, external_id: str, stage_code: str, note: str = "", source: str = "api"
) -> bool:
    """Move the candidate to the stage with this code; False when already there."""
    candidate = await candidate_by_external_id(external_id)
    stage = await Stage.objects().get(Stage.code == stage_code)
    if stage is None:
        codes = [row["code"] for row in await Stage.select(Stage.code).order_by(Stage.sort_order)]
        raise ValidationFailed(
            {
                "stage": _(
                    'There is no stage with the code "%(code)s"; known codes: %(codes)s.',
                    code=stage_code,
                    codes=", ".join(codes),
                )
            }
        )
    return await candidate_move_stage(
        candidate_id=candidate.id, stage_id=stage.id, source=source, note=note
    )


async def login_link_create_by_external_id(*, external_id: str) -> tuple[str, datetime]:
    """A new sign-in URL for the candidate and when it expires."""
    candidate = await candidate_by_external_id(external_id)
    url = await login_link_create(candidate_id=candidate.id)
    token = url.rsplit("/", 1)[1]
    link = (
        await LoginLink.select(LoginLink.expires_at)
        .where(LoginLink.token_hash == hash_token(token))
        .first()
    )
    return url, link["expires_at"]
