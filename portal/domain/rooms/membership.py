"""Who may be in which Q&A room, and the rooms themselves.

Every cohort has one room for everybody in it (made when first needed); HR can add more,
e.g. one per department of a cohort, or one for a department across cohorts. Who may join
which room is :mod:`portal.domain.access` (``candidate_may_join_room``,
``may_moderate_room``): a candidate the rooms of their own cohort (narrowed by department
when the room has one) and their department's cross-cohort rooms; HR and admins any room;
a manager the rooms of their department, which includes a cohort room holding people of
their department.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from portal.auth.sessions import Principal
from portal.db import is_unique_violation, write_transaction
from portal.domain.access import (
    StaffRef,
    candidate_may_join_room,
    may_moderate_room,
    public_role,
)
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.tables import Cohort, Department
from portal.domain.rooms.tables import Room
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _

MemberRole = Literal["candidate", "hr", "manager"]
MAX_ROOM_NAME = 100


@dataclass(frozen=True, slots=True)
class Member:
    """Someone connected to, or acting in, a room."""

    kind: Literal["candidate", "staff"]
    id: int
    name: str
    # What other members see: admins appear as HR.
    role: MemberRole
    department_id: int | None
    cohort_id: int | None = None
    # For staff: their role and department, which access rules read.
    staff: StaffRef | None = None

    @property
    def key(self) -> str:
        return f"{self.kind[0]}{self.id}"

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_moderator(self) -> bool:
        return self.kind == "staff"


@dataclass(frozen=True, slots=True)
class RoomInfo:
    id: int
    name: str
    cohort_id: int | None
    department_id: int | None
    pinned_message_id: int | None


def member_for_staff(staff: StaffUser) -> Member:
    return Member(
        kind="staff",
        id=staff.id,
        name=staff.name or staff.email.split("@")[0],
        role=public_role(staff.role),  # type: ignore[arg-type]
        department_id=staff.department,
        staff=StaffRef(role=staff.role, department=staff.department),
    )


async def member_for_principal(principal: Principal | None) -> Member | None:
    """The room member a session stands for; None for no one, a withdrawn or inactive account."""
    if principal is None:
        return None
    if principal.kind == "candidate":
        row = (
            await Candidate.select(
                Candidate.id, Candidate.name, Candidate.department, Candidate.cohort
            )
            .where((Candidate.id == principal.id) & (Candidate.status != "withdrawn"))
            .first()
            .run()
        )
        if row is None:
            return None
        return Member(
            kind="candidate",
            id=row["id"],
            name=row["name"],
            role="candidate",
            department_id=row["department"],
            cohort_id=row["cohort"],
        )
    staff = await StaffUser.objects().where(StaffUser.id == principal.id).first().run()
    if staff is None or not staff.is_active:
        return None
    return member_for_staff(staff)


def _room_info(row: dict) -> RoomInfo:
    return RoomInfo(
        id=row["id"],
        name=row["name"],
        cohort_id=row["cohort"],
        department_id=row["department"],
        pinned_message_id=row["pinned_message_id"],
    )


_ROOM_COLUMNS = (Room.id, Room.name, Room.cohort, Room.department, Room.pinned_message_id)


async def _cohort_has_department(cohort_id: int, department_id: int) -> bool:
    """The cohort is the department's, or (a cohort mixing departments) holds its people."""
    cohort = await Cohort.select(Cohort.department).where(Cohort.id == cohort_id).first().run()
    if cohort is None:
        return False
    if cohort["department"] is not None:
        return cohort["department"] == department_id
    return await Candidate.exists().where(
        (Candidate.cohort == cohort_id) & (Candidate.department == department_id)
    )


async def may_join(member: Member, room: RoomInfo) -> bool:
    if member.kind == "candidate":
        return candidate_may_join_room(
            candidate_department_id=member.department_id,
            candidate_cohort_id=member.cohort_id,
            room_department_id=room.department_id,
            room_cohort_id=room.cohort_id,
        )
    if member.staff is None:
        return False
    return await may_moderate_room(
        member.staff,
        room_department_id=room.department_id,
        room_cohort_id=room.cohort_id,
        cohort_has_department=_cohort_has_department,
    )


async def room_for_member(room_id: int, member: Member) -> RoomInfo:
    """The room if ``member`` may join it; NotFound otherwise (no hint that it exists)."""
    row = (
        await Room.select(*_ROOM_COLUMNS)
        .where((Room.id == room_id) & (Room.is_archived == False))  # noqa: E712
        .first()
        .run()
    )
    if row is None:
        raise NotFound(_("This room does not exist or is not yours."))
    room = _room_info(row)
    if not await may_join(member, room):
        raise NotFound(_("This room does not exist or is not yours."))
    return room


async def cohort_room_ensure(cohort_id: int) -> int:
    """The id of the cohort's everybody room, created on first use (once, even when racing)."""
    existing = await _cohort_room_id(cohort_id)
    if existing is not None:
        return existing
    cohort = await Cohort.select(Cohort.name).where(Cohort.id == cohort_id).first().run()
    if cohort is None:
        raise NotFound(_("Not found."))
    try:
        async with write_transaction():
            if (existing := await _cohort_room_id(cohort_id)) is not None:
                return existing
            room = Room(name=cohort["name"][:MAX_ROOM_NAME], cohort=cohort_id, department=None)
            await room.save()
            return room.id
    except Exception as error:
        # Another request made it first (unique index on the cohort's everybody room).
        if is_unique_violation(error) and (existing := await _cohort_room_id(cohort_id)):
            return existing
        raise


async def _cohort_room_id(cohort_id: int) -> int | None:
    row = (
        await Room.select(Room.id)
        .where((Room.cohort == cohort_id) & Room.department.is_null())
        .first()
        .run()
    )
    return row["id"] if row else None


async def rooms_for_member(member: Member) -> list[RoomInfo]:
    """The rooms ``member`` may join, the cohort's everybody room first."""
    if member.kind == "candidate":
        if member.cohort_id is not None:
            await cohort_room_ensure(member.cohort_id)
        condition = (Room.department == member.department_id) & Room.cohort.is_null()
        if member.cohort_id is not None:
            condition = condition | (
                (Room.cohort == member.cohort_id)
                & (Room.department.is_null() | (Room.department == member.department_id))
            )
        rows = (
            await Room.select(*_ROOM_COLUMNS)
            .where(condition & (Room.is_archived == False))  # noqa: E712
            .order_by(Room.id)
            .run()
        )
        rooms = [_room_info(row) for row in rows]
        return sorted(rooms, key=lambda room: (room.department_id is not None, room.id))
    rows = (
        await Room.select(*_ROOM_COLUMNS)
        .where(Room.is_archived == False)  # noqa: E712
        .order_by(Room.id, ascending=False)
        .run()
    )
    return [room for row in rows if await may_join(member, room := _room_info(row))]


async def room_create(*, name: str, cohort_id: int | None, department_id: int | None) -> int:
    """An extra room: for a department of a cohort, or a department across cohorts."""
    name = " ".join(name.split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter a name.")
    elif len(name) > MAX_ROOM_NAME:
        errors["name"] = _("At most %(count)s characters.", count=MAX_ROOM_NAME)
    if cohort_id is not None and not await Cohort.exists().where(Cohort.id == cohort_id):
        errors["cohort"] = _("Choose a cohort from the list.")
    if department_id is not None and not await Department.exists().where(
        Department.id == department_id
    ):
        errors["department"] = _("Choose a department from the list.")
    if cohort_id is None and department_id is None:
        errors["department"] = _("Choose a cohort, a department, or both.")
    if errors:
        raise ValidationFailed(errors)
    if department_id is None:
        # The cohort's everybody room exists once; this is that room.
        return await cohort_room_ensure(cohort_id)  # type: ignore[arg-type]
    room = Room(name=name, cohort=cohort_id, department=department_id)
    await room.save()
    return room.id


async def room_archive(room_id: int) -> None:
    await Room.update({Room.is_archived: True}).where(Room.id == room_id).run()
