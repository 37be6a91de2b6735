"""Writing a resolved batch: a handful of statements for the whole batch, not a few per row.

What the candidate services do one at a time (``candidate_create``, ``candidate_update``,
``candidate_move_stage``, ``candidate_tags_set``) happens here for every row at once,
with the same results: each department hands out its next ordinals in row order (one
``UPDATE … RETURNING`` per department), new candidates start at the given stage or the
first, "joined" on the last stage; every stage reached is a ``stage_change`` row;
a candidate moved to another cohort or department has their room sockets re-checked
after the commit.

The caller holds the write transaction (all or nothing) and resolved the batch inside
it (:func:`portal.domain.candidates.batch.resolve.candidate_batch_resolve`); a unique
index refusing a row (a writer outside the transaction won a race) raises, rolling
everything back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from portal.domain.candidates.batch import sql
from portal.domain.candidates.batch.resolve import BatchResolution, ResolvedRow, StageInfo
from portal.domain.candidates.records import PERSONAL_FIELDS
from portal.domain.errors import NotFound
from portal.domain.profiles.changes import ChangedBy
from portal.domain.profiles.tables import PersonalInfoChange
from portal.domain.rooms.membership import member_sockets_recheck
from portal.domain.staff.tables import StaffUser

BatchResult = Literal["created", "updated", "unchanged"]

_CANDIDATE_COLUMNS = (
    "name", "phone", "email", "department", "position", "cohort", "stage", "status",
    "withdraw_reason", "external_id", "ordinal", "created_at", "updated_at",
)  # fmt: skip
_CANDIDATE_TYPES = (
    "varchar", "varchar", "varchar", "integer", "integer", "integer", "integer", "varchar",
    "text", "varchar", "integer", "timestamptz", "timestamptz",
)  # fmt: skip


@dataclass(frozen=True)
class BatchOutcome:
    index: int
    id: int
    result: BatchResult
    ordinal: int


@dataclass
class _Update:
    row: ResolvedRow
    fields_changed: bool
    stage: int
    status: str
    ordinal: int
    moved: bool  # another cohort or department: other rooms

    @property
    def stage_changed(self) -> bool:
        assert self.row.stored is not None
        return self.stage != self.row.stored.stage


def _is_last(stage_id: int, stages: list[StageInfo]) -> bool:
    top = max(stage.sort_order for stage in stages)
    return next(stage.sort_order for stage in stages if stage.id == stage_id) >= top


def _planned_update(row: ResolvedRow, stages: list[StageInfo]) -> _Update:
    stored, clean = row.stored, row.clean
    assert stored is not None and clean is not None
    fields_changed = (
        clean.name, clean.phone, clean.email, clean.department_id, clean.position_id,
        clean.cohort_id,
    ) != (
        stored.name, stored.phone, stored.email, stored.department, stored.position,
        stored.cohort,
    )  # fmt: skip
    stage, status = stored.stage, stored.status
    if row.stage_id is not None and row.stage_id != stored.stage:
        # As candidate_move_stage: the last stage means joined; leaving it, active again.
        stage = row.stage_id
        if _is_last(stage, stages) and status == "active":
            status = "joined"
        elif status == "joined":
            status = "active"
    moved = (clean.cohort_id, clean.department_id) != (stored.cohort, stored.department)
    return _Update(row, fields_changed, stage, status, stored.ordinal, moved)


async def _ordinals(departments: list[int]) -> list[int]:
    """The next ordinal of each department in ``departments`` (one per entry, in order)."""
    wanted: dict[int, int] = defaultdict(int)
    for department in departments:
        wanted[department] += 1
    next_of: dict[int, int] = {}
    for department, count in sorted(wanted.items()):
        # The row lock makes the range this transaction's alone, as _next_ordinal does.
        rows = await sql.run(
            "UPDATE department SET last_ordinal = last_ordinal + {} WHERE id = {} "
            "RETURNING last_ordinal",
            count,
            department,
        )
        next_of[department] = rows[0]["last_ordinal"] - count + 1
    handed: list[int] = []
    for department in departments:
        handed.append(next_of[department])
        next_of[department] += 1
    return handed


def _hands_over(updates: list[_Update]) -> bool:
    """True when an update takes a phone, e-mail or id another updated row gives up.

    Unique indexes are checked row by row on both databases, so such a batch is
    updated one row per statement in row order; otherwise one statement does all.
    """
    held = {
        (name, getattr(u.row.stored, name))
        for u in updates
        for name in ("phone", "email")
        if getattr(u.row.stored, name)
    }
    for update in updates:
        clean, stored = update.row.clean, update.row.stored
        assert clean is not None and stored is not None
        for name, value in (("phone", clean.phone), ("email", clean.email)):
            if value and value != getattr(stored, name) and (name, value) in held:
                return True
    return False


async def _apply_updates(updates: list[_Update], now: datetime) -> None:
    changed = [u for u in updates if u.fields_changed or u.stage_changed]
    if not changed:
        return
    values = []
    for update in changed:
        clean = update.row.clean
        assert clean is not None and update.row.stored is not None
        values.append(
            [
                update.row.stored.id, clean.name, clean.phone, clean.email,
                clean.department_id, clean.position_id, clean.cohort_id, update.ordinal,
                update.stage, update.status, now,
            ]
        )  # fmt: skip
    types = (
        "integer", "varchar", "varchar", "varchar", "integer", "integer", "integer",
        "integer", "integer", "varchar", "timestamptz",
    )  # fmt: skip
    assignments = (
        "name = v.column2, phone = v.column3, email = v.column4, department = v.column5, "
        "position = v.column6, cohort = v.column7, ordinal = v.column8, stage = v.column9, "
        "status = v.column10, updated_at = v.column11"
    )
    batches = [[row] for row in values] if _hands_over(changed) else [values]
    for batch in batches:
        for source, args in sql.row_sources(types, batch):
            await sql.run(
                f"UPDATE candidate SET {assignments} FROM {source} WHERE candidate.id = v.column1",
                *args,
            )


async def _tags_ensure(names: list[str], now: datetime) -> dict[str, int]:
    """Tag ids by key, creating the missing tags (race-safe: ON CONFLICT DO NOTHING)."""
    by_key = {name.casefold(): name for name in names}
    if not by_key:
        return {}
    condition, args = sql.in_list("key", sorted(by_key))
    found = {
        r["key"]: r["id"]
        for r in await sql.run(f"SELECT id, key FROM tag WHERE {condition}", *args)
    }
    missing = [(by_key[key], key, now) for key in sorted(by_key) if key not in found]
    if missing:
        await sql.insert_rows(
            "tag", ("name", "key", "created_at"), ("varchar", "varchar", "timestamptz"),
            missing, suffix="ON CONFLICT (key) DO NOTHING",
        )  # fmt: skip
        condition, args = sql.in_list("key", [key for _name, key, _now in missing])
        for r in await sql.run(f"SELECT id, key FROM tag WHERE {condition}", *args):
            found[r["key"]] = r["id"]
    return found


async def _apply_tags(resolution: BatchResolution, ids: dict[int, int], now: datetime) -> set[int]:
    """Make each row with tags carry exactly those; returns the indexes whose tags changed."""
    tagged = [row for row in resolution.rows if row.tags is not None]
    tag_ids = await _tags_ensure([name for row in tagged for name in row.tags or []], now)
    removals: list[tuple[int, int]] = []
    additions: list[tuple[int, int, datetime]] = []
    changed: set[int] = set()
    for row in tagged:
        candidate_id = ids[row.index]
        wanted = {tag_ids[name.casefold()] for name in row.tags or []}
        current = resolution.current_tags.get(candidate_id, set()) if row.stored else set()
        if wanted == current:
            continue
        changed.add(row.index)
        removals.extend((candidate_id, tag) for tag in sorted(current - wanted))
        additions.extend((candidate_id, tag, now) for tag in sorted(wanted - current))
    for source, args in sql.row_sources(("integer", "integer"), removals):
        await sql.run(
            "DELETE FROM candidate_tag WHERE (candidate, tag) IN "
            f"(SELECT v.column1, v.column2 FROM {source})",
            *args,
        )
    await sql.insert_rows(
        "candidate_tag", ("candidate", "tag", "created_at"),
        ("integer", "integer", "timestamptz"), additions,
        suffix="ON CONFLICT (candidate, tag) DO NOTHING",
    )  # fmt: skip
    return changed


async def _audit_contact_changes(
    updates: list[_Update], *, source: str, actor_id: int | None
) -> None:
    """Audit changed names, phones and e-mails as ``candidate_update`` does, in one insert."""
    by = ChangedBy("staff", actor_id) if actor_id else ChangedBy(source)
    email = ""
    if by.staff_id is not None:
        rows = await StaffUser.select(StaffUser.email).where(StaffUser.id == by.staff_id)
        email = rows[0]["email"] if rows else ""
    changes = []
    for update in updates:
        clean, stored = update.row.clean, update.row.stored
        assert clean is not None and stored is not None
        fields = [f for f in PERSONAL_FIELDS if getattr(clean, f) != getattr(stored, f)]
        if fields:
            changes.append(
                PersonalInfoChange(
                    candidate=stored.id,
                    source=by.source,
                    staff=by.staff_id,
                    staff_email=email,
                    fields=",".join(sorted(fields)),
                )
            )
    if changes:
        await PersonalInfoChange.insert(*changes)


async def candidate_batch_write(
    resolution: BatchResolution, *, source: str, actor_id: int | None = None
) -> list[BatchOutcome]:
    """Create or update every row of a valid ``resolution``; call inside write_transaction."""
    assert resolution.valid, "write only a batch without problems"
    if not resolution.stages:
        raise NotFound("No hiring stages are configured.")
    stages = resolution.stages
    now = datetime.now(UTC)
    creates = [row for row in resolution.rows if row.stored is None]
    updates = [_planned_update(row, stages) for row in resolution.rows if row.stored]

    # Ordinals in row order, for new candidates and those changing department.
    needing = sorted(
        [(row.index, row.clean.department_id) for row in creates if row.clean]
        + [
            (u.row.index, u.row.clean.department_id)
            for u in updates
            if u.row.clean and u.row.stored and u.row.clean.department_id != u.row.stored.department
        ]
    )
    handed = dict(
        zip(
            [index for index, _d in needing], await _ordinals([d for _i, d in needing]), strict=True
        )
    )
    for update in updates:
        update.ordinal = handed.get(update.row.index, update.ordinal)

    await _apply_updates(updates, now)
    await _audit_contact_changes(updates, source=source, actor_id=actor_id)

    first = stages[0].id
    records = []
    for row in creates:
        clean = row.clean
        assert clean is not None
        stage = row.stage_id if row.stage_id is not None else first
        records.append(
            [
                clean.name, clean.phone, clean.email, clean.department_id, clean.position_id,
                clean.cohort_id, stage, "joined" if _is_last(stage, stages) else "active", "",
                clean.external_id, handed[row.index], now, now,
            ]
        )  # fmt: skip
    inserted = await sql.insert_rows(
        "candidate", _CANDIDATE_COLUMNS, _CANDIDATE_TYPES, records, returning="id, phone"
    )
    id_by_phone = {r["phone"]: r["id"] for r in inserted}
    ids: dict[int, int] = {row.index: id_by_phone[row.clean.phone] for row in creates if row.clean}
    ids.update({u.row.index: u.row.stored.id for u in updates if u.row.stored})

    changes = [
        (ids[row.index], None, record[6], actor_id, source, "", now)
        for row, record in zip(creates, records, strict=True)
    ] + [
        (ids[u.row.index], u.row.stored.stage, u.stage, actor_id, source, "", now)
        for u in updates
        if u.stage_changed and u.row.stored
    ]
    changes.sort(key=lambda change: change[0])
    await sql.insert_rows(
        "stage_change",
        ("candidate", "from_stage", "to_stage", "changed_by", "source", "note", "changed_at"),
        ("integer", "integer", "integer", "integer", "varchar", "text", "timestamptz"),
        changes,
    )
    tags_changed = await _apply_tags(resolution, ids, now)

    for update in updates:
        if update.moved and update.row.stored:
            await member_sockets_recheck(candidate_id=update.row.stored.id)

    outcomes = [
        BatchOutcome(row.index, ids[row.index], "created", handed[row.index]) for row in creates
    ]
    for update in updates:
        changed = update.fields_changed or update.stage_changed or update.row.index in tags_changed
        outcomes.append(
            BatchOutcome(
                update.row.index, ids[update.row.index], "updated" if changed else "unchanged",
                update.ordinal,
            )
        )  # fmt: skip
    outcomes.sort(key=lambda outcome: outcome.index)
    return outcomes
