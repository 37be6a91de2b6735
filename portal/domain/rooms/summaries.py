"""Admin-only reads about rooms: the list's figures, a room's candidates, a report's room.

Who may see which room is decided by ``portal.domain.rooms.membership``; these selectors only add
what the admin pages show about rooms a staff member already may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.query.functions.aggregate import Count, Max

from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Cohort, Department
from portal.domain.rooms.membership import RoomInfo
from portal.domain.rooms.tables import MessageReport, RoomMessage


@dataclass(frozen=True, slots=True)
class RoomSummary:
    room: RoomInfo
    cohort_name: str | None
    department_name: str | None
    message_count: int
    open_reports: int
    last_message_at: datetime | None


@dataclass(frozen=True, slots=True)
class RoomCandidate:
    id: int
    name: str


async def room_summaries(rooms: list[RoomInfo]) -> list[RoomSummary]:
    """Each room with its cohort and department names, message and open-report counts."""
    if not rooms:
        return []
    ids = [room.id for room in rooms]
    counts = await (
        RoomMessage.select(
            RoomMessage.room,
            Count(RoomMessage.id, alias="messages"),
            Max(RoomMessage.id, alias="last_id"),
        )
        .where(RoomMessage.room.is_in(ids))
        .group_by(RoomMessage.room)
    )
    per_room = {row["room"]: row for row in counts}
    last_ids = [row["last_id"] for row in counts if row["last_id"] is not None]
    last_times: dict[int, datetime] = {}
    if last_ids:
        rows = await RoomMessage.select(RoomMessage.room, RoomMessage.created_at).where(
            RoomMessage.id.is_in(last_ids)
        )
        last_times = {row["room"]: row["created_at"] for row in rows}
    reports = await (
        MessageReport.select(
            MessageReport.message.room.as_alias("room"), Count(MessageReport.id, alias="open")
        )
        .where(MessageReport.resolved_at.is_null() & MessageReport.message.room.is_in(ids))
        .group_by(MessageReport.message.room)
    )
    open_per_room = {row["room"]: row["open"] for row in reports}
    cohort_ids = {room.cohort_id for room in rooms if room.cohort_id is not None}
    department_ids = {room.department_id for room in rooms if room.department_id is not None}
    cohorts = {}
    if cohort_ids:
        cohorts = {
            row["id"]: row["name"]
            for row in await Cohort.select(Cohort.id, Cohort.name).where(
                Cohort.id.is_in(list(cohort_ids))
            )
        }
    departments = {}
    if department_ids:
        departments = {
            row["id"]: row["name"]
            for row in await Department.select(Department.id, Department.name).where(
                Department.id.is_in(list(department_ids))
            )
        }
    return [
        RoomSummary(
            room=room,
            cohort_name=cohorts.get(room.cohort_id) if room.cohort_id else None,
            department_name=departments.get(room.department_id) if room.department_id else None,
            message_count=per_room.get(room.id, {}).get("messages", 0),
            open_reports=open_per_room.get(room.id, 0),
            last_message_at=last_times.get(room.id),
        )
        for room in rooms
    ]


async def room_candidates(room: RoomInfo) -> list[RoomCandidate]:
    """Candidates a moderator may mute here: those who may join, and those who wrote in it."""
    if room.cohort_id is not None:
        condition = Candidate.cohort == room.cohort_id
        if room.department_id is not None:
            condition = condition & (Candidate.department == room.department_id)
    elif room.department_id is not None:
        condition = Candidate.department == room.department_id
    else:
        condition = None
    found: dict[int, str] = {}
    if condition is not None:
        rows = await Candidate.select(Candidate.id, Candidate.name).where(
            condition & (Candidate.status != "withdrawn")
        )
        found.update((row["id"], row["name"]) for row in rows)
    authors = await (
        RoomMessage.select(
            RoomMessage.author_candidate.as_alias("id"),
            RoomMessage.author_candidate.name.as_alias("name"),
        )
        .where((RoomMessage.room == room.id) & RoomMessage.author_candidate.is_not_null())
        .distinct()
    )
    found.update((row["id"], row["name"]) for row in authors)
    return sorted(
        (RoomCandidate(id=key, name=name) for key, name in found.items()),
        key=lambda candidate: (candidate.name, candidate.id),
    )


async def report_room_id(report_id: int) -> int | None:
    """The room a report's message is in; None when there is no such report."""
    row = await (
        MessageReport.select(MessageReport.message.room.as_alias("room"))
        .where(MessageReport.id == report_id)
        .first()
    )
    return row["room"] if row else None
