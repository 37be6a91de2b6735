"""Bulk create-or-update of candidates by ``external_id``, for a hiring system.

All or nothing: every item is validated first; one invalid item rejects the whole batch
and names it. The writes then happen in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.db import write_transaction
from portal.domain.candidates import (
    CandidateInput,
    candidate_check,
    candidate_create,
    candidate_move_stage,
    candidate_update,
)
from portal.domain.errors import DomainError, ValidationFailed
from portal.domain.tables import Candidate, Cohort, Department, Position, Stage
from portal.domain.validation import normalize_email, normalize_phone


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
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"Item {first.index} (external_id {first.external_id!r}): "
            f"{first.field}: {first.message}{more}. Nothing was saved."
        )


@dataclass(frozen=True)
class UpsertOutcome:
    external_id: str
    id: int
    result: str  # "created" | "updated" | "unchanged"


@dataclass
class _Prepared:
    item: UpsertItem
    data: CandidateInput
    existing: Candidate | None
    stage_id: int | None


async def _lookups(items: list[UpsertItem]) -> tuple[dict, dict, dict, dict, dict]:
    departments = {
        row["name"]: row["id"] for row in await Department.select(Department.id, Department.name)
    }
    positions = {
        (row["department"], row["name"]): row["id"]
        for row in await Position.select(Position.id, Position.name, Position.department)
    }
    cohorts = {row["name"]: row["id"] for row in await Cohort.select(Cohort.id, Cohort.name)}
    stages = {row["code"]: row["id"] for row in await Stage.select(Stage.id, Stage.code)}
    external_ids = [item.external_id.strip() for item in items]
    existing = (
        {
            candidate.external_id: candidate
            for candidate in await Candidate.objects().where(
                Candidate.external_id.is_in(external_ids)
            )
        }
        if external_ids
        else {}
    )
    return departments, positions, cohorts, stages, existing


def _duplicates_within(items: list[UpsertItem]) -> list[ItemError]:
    errors: list[ItemError] = []
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        keys = [("external_id", item.external_id.strip())]
        if phone := normalize_phone(item.phone):
            keys.append(("phone", phone))
        try:
            if email := normalize_email(item.email):
                keys.append(("email", email))
        except ValueError:
            pass
        for key in keys:
            if key in seen:
                errors.append(
                    ItemError(
                        index, item.external_id, key[0], f"same as item {seen[key]} in this request"
                    )
                )
            else:
                seen[key] = index
    return errors


async def candidates_upsert(*, items: list[UpsertItem], source: str = "api") -> list[UpsertOutcome]:
    departments, positions, cohorts, stages, existing = await _lookups(items)
    errors = _duplicates_within(items)
    prepared: list[_Prepared] = []
    for index, item in enumerate(items):
        item_errors: dict[str, str] = {}
        department_id = departments.get(item.department.strip())
        if department_id is None:
            item_errors["department"] = f"unknown department {item.department!r}"
        position_id = None
        if item.position:
            position_id = positions.get((department_id, item.position.strip()))
            if position_id is None:
                item_errors["position"] = f"unknown position {item.position!r} in this department"
        cohort_id = None
        if item.cohort:
            cohort_id = cohorts.get(item.cohort.strip())
            if cohort_id is None:
                item_errors["cohort"] = f"unknown cohort {item.cohort!r}"
        stage_id = None
        if item.stage:
            stage_id = stages.get(item.stage.strip())
            if stage_id is None:
                item_errors["stage"] = f"unknown stage code {item.stage!r}"
        current = existing.get(item.external_id.strip())
        data = CandidateInput(
            name=item.name,
            phone=item.phone,
            email=item.email,
            department_id=department_id,
            position_id=position_id,
            cohort_id=cohort_id,
            external_id=item.external_id,
        )
        if not item_errors:
            try:
                await candidate_check(data, candidate_id=current.id if current else None)
            except ValidationFailed as failed:
                item_errors.update(failed.errors)
        errors.extend(
            ItemError(index, item.external_id, field, message)
            for field, message in item_errors.items()
        )
        prepared.append(_Prepared(item=item, data=data, existing=current, stage_id=stage_id))
    if errors:
        raise BulkItemsInvalid(sorted(errors, key=lambda error: error.index))

    outcomes: list[UpsertOutcome] = []
    async with write_transaction():
        for entry in prepared:
            external_id = entry.item.external_id.strip()
            if entry.existing is None:
                created = await candidate_create(
                    data=entry.data, stage_id=entry.stage_id, source=source
                )
                outcomes.append(UpsertOutcome(external_id, created.id, "created"))
                continue
            changed = False
            clean = await candidate_check(entry.data, candidate_id=entry.existing.id)
            before = entry.existing
            if (
                clean.name,
                clean.phone,
                clean.email,
                clean.department_id,
                clean.position_id,
                clean.cohort_id,
            ) != (
                before.name,
                before.phone,
                before.email,
                before.department,
                before.position,
                before.cohort,
            ):
                await candidate_update(candidate_id=before.id, data=entry.data)
                changed = True
            if entry.stage_id is not None:
                moved = await candidate_move_stage(
                    candidate_id=before.id, stage_id=entry.stage_id, source=source
                )
                changed = changed or moved
            outcomes.append(
                UpsertOutcome(external_id, before.id, "updated" if changed else "unchanged")
            )
    return outcomes
