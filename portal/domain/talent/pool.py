"""The pool (`/admin/talent`): filters, one entry's whole history, notes, needs, bulk tags.

``department_scope`` is None for staff who see everything, or the one department a manager
may see; every query here applies it, and an entry outside it is "not found".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from portal.db import rows_hold, write_transaction
from portal.domain.candidates.tables import Candidate, StageChange
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.organisation.tables import Department, Position, Stage
from portal.domain.talent.labels import talent_label
from portal.domain.talent.needs import needs_parse
from portal.domain.talent.tables import (
    TalentEntry,
    TalentEvent,
    TalentNeed,
    TalentReason,
    TalentRecall,
    TalentTask,
)
from portal.i18n import gettext as _

PAGE_SIZE = 50
BULK_MAX = 5000
CONSENT_FILTERS = ("yes", "no", "expired")


@dataclass(frozen=True)
class PoolFilters:
    search: str = ""
    reason: str | None = None  # a reason code
    need: str | None = None
    department_id: int | None = None
    position_id: int | None = None
    withdrawn_from: datetime | None = None
    withdrawn_to: datetime | None = None
    # Not contacted since this moment (or never).
    contact_before: datetime | None = None
    consent: str | None = None  # yes / no / expired
    status: str | None = None
    page: int = 1


@dataclass(frozen=True)
class PoolRow:
    id: int
    candidate_id: int | None
    name: str
    department: str
    position: str
    reason: str
    needs: list[str]
    withdrawn_at: datetime
    last_contact_at: datetime | None
    consent: bool
    consent_until: datetime | None
    status: str
    outcome: str


@dataclass(frozen=True)
class PoolPage:
    rows: list[PoolRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class ReasonCount:
    code: str
    label: str
    count: int


def _where(filters: PoolFilters, department_scope: int | None, now: datetime) -> list:
    where: list = [TalentEntry.status != "anonymised"] if filters.status is None else []
    if department_scope is not None:
        where.append(TalentEntry.department == department_scope)
    if filters.search:
        where.append(TalentEntry.candidate.name.ilike(f"%{filters.search}%"))
    if filters.reason:
        where.append(TalentEntry.reason.code == filters.reason)
    if filters.need:
        where.append(
            TalentEntry.id.is_in(
                TalentNeed.select(TalentNeed.entry).where(TalentNeed.name == filters.need)
            )
        )
    if filters.department_id:
        where.append(TalentEntry.department == filters.department_id)
    if filters.position_id:
        where.append(TalentEntry.position == filters.position_id)
    if filters.withdrawn_from:
        where.append(TalentEntry.withdrawn_at >= filters.withdrawn_from)
    if filters.withdrawn_to:
        where.append(TalentEntry.withdrawn_at < filters.withdrawn_to)
    if filters.contact_before:
        where.append(
            TalentEntry.last_contact_at.is_null()
            | (TalentEntry.last_contact_at < filters.contact_before)
        )
    if filters.consent == "yes":
        where.append((TalentEntry.consent == True) & (TalentEntry.consent_until > now))  # noqa: E712
    elif filters.consent == "no":
        where.append(TalentEntry.consent == False)  # noqa: E712
    elif filters.consent == "expired":
        where.append((TalentEntry.consent == True) & (TalentEntry.consent_until <= now))  # noqa: E712
    if filters.status:
        where.append(TalentEntry.status == filters.status)
    return where


def _combine(where: list):  # type: ignore[no-untyped-def]
    condition = where[0]
    for item in where[1:]:
        condition = condition & item
    return condition


async def _needs_of(entry_ids: list[int]) -> dict[int, list[str]]:
    needs: dict[int, list[str]] = {}
    if entry_ids:
        rows = (
            await TalentNeed.select(TalentNeed.entry, TalentNeed.name)
            .where(TalentNeed.entry.is_in(entry_ids))
            .order_by(TalentNeed.id)
        )
        for row in rows:
            needs.setdefault(row["entry"], []).append(row["name"])
    return needs


async def pool_entry_ids(
    *, filters: PoolFilters, department_scope: int | None, now: datetime
) -> list[int]:
    """Every matching entry's id (for "tag all matching")."""
    where = _where(filters, department_scope, now)
    query = TalentEntry.select(TalentEntry.id)
    if where:
        query = query.where(_combine(where))
    return [row["id"] for row in await query.order_by(TalentEntry.id)]


async def pool_page(
    *, filters: PoolFilters, department_scope: int | None, now: datetime
) -> PoolPage:
    where = _where(filters, department_scope, now)
    count = TalentEntry.count()
    query = TalentEntry.select(
        TalentEntry.id,
        TalentEntry.candidate,
        TalentEntry.candidate.name.as_alias("name"),
        TalentEntry.department.name.as_alias("department_name"),
        TalentEntry.position.name.as_alias("position_name"),
        TalentEntry.reason.label.as_alias("reason_label"),
        TalentEntry.withdrawn_at,
        TalentEntry.last_contact_at,
        TalentEntry.consent,
        TalentEntry.consent_until,
        TalentEntry.status,
        TalentEntry.outcome,
    )
    if where:
        count = count.where(_combine(where))
        query = query.where(_combine(where))
    total = await count
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    rows = (
        await query.order_by(TalentEntry.withdrawn_at, ascending=False)
        .order_by(TalentEntry.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    needs = await _needs_of([row["id"] for row in rows])
    return PoolPage(
        rows=[
            PoolRow(
                id=row["id"],
                candidate_id=row["candidate"],
                name=row["name"] or "",
                department=row["department_name"] or "",
                position=row["position_name"] or "",
                reason=talent_label(row["reason_label"]) if row["reason_label"] else "",
                needs=needs.get(row["id"], []),
                withdrawn_at=row["withdrawn_at"],
                last_contact_at=row["last_contact_at"],
                consent=row["consent"],
                consent_until=row["consent_until"],
                status=row["status"],
                outcome=row["outcome"],
            )
            for row in rows
        ],
        total=total,
        page=page,
        pages=pages,
    )


async def withdrawal_reason_counts(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    department_scope: int | None = None,
    department_id: int | None = None,
) -> list[ReasonCount]:
    """How many withdrew for each reason (every listed reason, zeros included).

    For the insights: counts survive anonymisation (entries keep reason and department).
    """
    where: list = []
    for dept in (department_scope, department_id):
        if dept is not None:
            where.append(TalentEntry.department == dept)
    if since is not None:
        where.append(TalentEntry.withdrawn_at >= since)
    if until is not None:
        where.append(TalentEntry.withdrawn_at < until)
    query = TalentEntry.select(TalentEntry.reason, TalentEntry.id)
    if where:
        query = query.where(_combine(where))
    counts: dict[int | None, int] = {}
    for row in await query:
        counts[row["reason"]] = counts.get(row["reason"], 0) + 1
    reasons = await TalentReason.select().order_by(TalentReason.sort_order)
    return [
        ReasonCount(r["code"], talent_label(r["label"]), counts.get(r["id"], 0))
        for r in reasons
        if r["active"] or counts.get(r["id"])
    ]


# --- One entry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    kind: str  # stage, status, message, note, recall, outcome, withdrawn, task …
    text: str


@dataclass
class EntryDetail:
    id: int
    candidate_id: int | None
    name: str
    phone: str
    department_id: int | None
    department: str
    position_id: int | None
    position: str
    reason_code: str
    reason: str
    reason_text: str
    change_mind: str
    notes: str
    needs: list[str]
    consent: bool
    consent_until: datetime | None
    status: str
    outcome: str
    withdrawn_at: datetime
    last_contact_at: datetime | None
    round: int
    history: list[HistoryItem] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)


async def entry_get_scoped(*, entry_id: int, department_scope: int | None) -> TalentEntry:
    entry = await TalentEntry.objects().get(TalentEntry.id == entry_id)
    if entry is None or (department_scope is not None and entry.department != department_scope):
        raise NotFound(_("This pool entry does not exist."))
    return entry


async def entry_detail(*, entry_id: int, department_scope: int | None) -> EntryDetail:
    """The entry and its whole history: stages, messages, notes, recalls, on one page."""
    entry = await entry_get_scoped(entry_id=entry_id, department_scope=department_scope)
    candidate = (
        await Candidate.objects().get(Candidate.id == entry.candidate) if entry.candidate else None
    )
    reason = (
        await TalentReason.objects().get(TalentReason.id == entry.reason) if entry.reason else None
    )
    department = (
        await Department.objects().get(Department.id == entry.department)
        if entry.department
        else None
    )
    position = (
        await Position.objects().get(Position.id == entry.position) if entry.position else None
    )
    history: list[HistoryItem] = []
    if candidate is not None:
        stages = {row["id"]: row["name"] for row in await Stage.select(Stage.id, Stage.name)}
        for row in await StageChange.select().where(StageChange.candidate == candidate.id):
            label = stages.get(row["to_stage"], "?")
            if row["source"].startswith("status:"):
                text = _("Status: %(status)s", status=talent_label(row["source"][7:]))
            else:
                text = _("Stage: %(stage)s", stage=label)
            if row["note"]:
                text += f" — {row['note']}"
            history.append(HistoryItem(row["changed_at"], "stage", text))
        for row in await OutboxMessage.select(
            OutboxMessage.created_at,
            OutboxMessage.channel,
            OutboxMessage.body,
            OutboxMessage.status,
        ).where(OutboxMessage.candidate == candidate.id):
            history.append(
                HistoryItem(
                    row["created_at"],
                    "message",
                    f"[{row['channel']} · {talent_label(row['status'])}] {row['body'][:300]}",
                )
            )
    for row in await TalentEvent.select().where(TalentEvent.entry == entry.id):
        history.append(HistoryItem(row["created_at"], row["kind"], row["body"]))
    for row in await TalentRecall.select().where(TalentRecall.entry == entry.id):
        text = _("Recall day %(day)s (%(kind)s, %(mode)s, variant %(variant)s): %(status)s",
                 day=row["day"], kind=talent_label(row["kind"]), mode=talent_label(row["mode"]),
                 variant=row["variant"], status=talent_label(row["status"]))  # fmt: skip
        if row["outcome"]:
            text += f" → {talent_label(row['outcome'])}"
        history.append(HistoryItem(row["created_at"], "recall", text))
    history.sort(key=lambda item: item.at)
    tasks = (
        await TalentTask.select().where(TalentTask.entry == entry.id).order_by(TalentTask.due_at)
    )
    return EntryDetail(
        id=entry.id,
        candidate_id=entry.candidate,
        name=candidate.name if candidate else "",
        phone=candidate.phone if candidate else "",
        department_id=entry.department,
        department=department.name if department else "",
        position_id=entry.position,
        position=position.name if position else "",
        reason_code=reason.code if reason else "",
        reason=talent_label(reason.label) if reason else "",
        reason_text=entry.reason_text,
        change_mind=entry.change_mind,
        notes=entry.notes,
        needs=(await _needs_of([entry.id])).get(entry.id, []),
        consent=entry.consent,
        consent_until=entry.consent_until,
        status=entry.status,
        outcome=entry.outcome,
        withdrawn_at=entry.withdrawn_at,
        last_contact_at=entry.last_contact_at,
        round=entry.round,
        history=history,
        tasks=list(tasks),
    )


async def talent_entries_hold(entry_ids: list[int]) -> None:
    """Hold these pool entries until the current write transaction commits
    (:func:`portal.db.rows_hold`): two HR people acting on one entry (rejoin and "stop
    contact", two edits of its needs) run one after the other."""
    await rows_hold("talent_entry", entry_ids)


async def entry_edit(
    *,
    entry_id: int,
    department_scope: int | None,
    needs: str,
    notes: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Replace the needs and the notes (a changed note is kept in the history)."""
    clean = needs_parse(needs)
    notes = (notes or "").strip()
    if len(notes) > 5000:
        raise ValidationFailed({"notes": _("Notes can be at most 5000 characters long.")})
    async with write_transaction():
        await talent_entries_hold([entry_id])
        entry = await entry_get_scoped(entry_id=entry_id, department_scope=department_scope)
        if entry.status == "anonymised":
            raise NotFound(_("This pool entry does not exist."))
        await TalentNeed.delete().where(TalentNeed.entry == entry.id)
        if clean:
            await TalentNeed.insert(*(TalentNeed(entry=entry.id, name=n) for n in clean))
        if notes != entry.notes:
            await TalentEntry.update({TalentEntry.notes: notes, TalentEntry.updated_at: now}).where(
                TalentEntry.id == entry.id
            )
            await TalentEvent(
                entry=entry.id, kind="note", body=notes, staff=actor_id, created_at=now
            ).save()


async def needs_bulk_add(*, entry_ids: list[int], needs: str, department_scope: int | None) -> int:
    """Add the needs to every entry, in ONE transaction: all or nothing.

    Entries outside the scope (or unknown, or anonymised) make the whole request fail with
    nothing written. Returns how many (entry, need) pairs were added.
    """
    clean = needs_parse(needs)
    if not clean:
        raise ValidationFailed({"needs": _("Enter at least one need.")})
    ids = sorted({i for i in entry_ids if isinstance(i, int) and not isinstance(i, bool)})
    if not ids:
        raise ValidationFailed({"entries": _("Choose at least one entry.")})
    if len(ids) > BULK_MAX:
        raise ValidationFailed({"entries": _("At most 5000 entries at once.")})
    async with write_transaction():
        await talent_entries_hold(ids)
        found: list[int] = []
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            query = TalentEntry.select(TalentEntry.id).where(
                TalentEntry.id.is_in(chunk) & (TalentEntry.status != "anonymised")
            )
            if department_scope is not None:
                query = query.where(TalentEntry.department == department_scope)
            found += [row["id"] for row in await query]
        if len(found) != len(ids):
            raise ValidationFailed({"entries": _("Some of the chosen entries do not exist.")})
        existing: set[tuple[int, str]] = set()
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for row in await TalentNeed.select(TalentNeed.entry, TalentNeed.name).where(
                TalentNeed.entry.is_in(chunk) & TalentNeed.name.is_in(clean)
            ):
                existing.add((row["entry"], row["name"]))
        rows = [
            TalentNeed(entry=entry_id, name=name)
            for entry_id in ids
            for name in clean
            if (entry_id, name) not in existing
        ]
        for start in range(0, len(rows), 1000):
            await TalentNeed.insert(*rows[start : start + 1000])
    return len(rows)


async def withdrawal_reason_labels(candidate_ids: list[int]) -> dict[int, str]:
    """The structured reason of each candidate's latest withdrawal, as a label.

    For the insights funnel, which counts reasons over its own selection of candidates;
    candidates withdrawn before reasons were recorded are simply absent.
    """
    if not candidate_ids:
        return {}
    rows = await (
        TalentEntry.select(
            TalentEntry.candidate, TalentEntry.round, TalentEntry.reason.label.as_alias("label")
        )
        .where(TalentEntry.candidate.is_in(sorted(set(candidate_ids))))
        .where(TalentEntry.reason.is_not_null())
        .order_by(TalentEntry.round)
    )
    # Ordered by round: the latest withdrawal of a rejoined candidate wins.
    return {row["candidate"]: talent_label(row["label"]) for row in rows}
