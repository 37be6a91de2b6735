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
from portal.db import PreparedSQL, after_commit, is_unique_violation, write_transaction
from portal.domain.access import (
    StaffRef,
    candidate_may_join_direct_thread,
    candidate_may_join_room,
    may_join_direct_thread,
    may_join_group_chat,
    may_moderate_room,
    public_role,
)
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.tables import Cohort, Department
from portal.domain.rooms.tables import Room, RoomMember
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
    # "room", "direct" (a candidate's thread with HR) or "group" (listed members).
    kind: str = "room"
    direct_candidate_id: int | None = None
    # The direct thread's candidate's department (managers of it may answer).
    direct_department_id: int | None = None
    # The cohort's time zone for a cohort's room (read with the room, see room_timezone).
    cohort_timezone: str | None = None

    @property
    def is_direct(self) -> bool:
        return self.kind == "direct"


def member_for_staff(staff: StaffUser) -> Member:
    return _staff_member(staff.id, staff.name, staff.email, staff.role, staff.department)


def _staff_member(
    staff_id: int, name: str, email: str, role: str, department_id: int | None
) -> Member:
    return Member(
        kind="staff",
        id=staff_id,
        name=name or email.split("@")[0],
        role=public_role(role),  # type: ignore[arg-type]
        department_id=department_id,
        staff=StaffRef(role=role, department=department_id),
    )


# The two reads of every room handshake (and of every send's re-check), written as SQL:
# when a whole room reconnects they run thousands of times at once, and building them with
# Piccolo's query builder took about a hundred times longer than running them.
_CANDIDATE_MEMBER_SQL = (
    "SELECT id, name, department, cohort FROM candidate WHERE id = {} AND status != 'withdrawn'"
)
_CANDIDATE_MEMBER_READ = PreparedSQL(_CANDIDATE_MEMBER_SQL)
_STAFF_MEMBER_SQL = (
    "SELECT id, name, email, role, department, is_active FROM staff_user WHERE id = {}"
)
_STAFF_MEMBER_READ = PreparedSQL(_STAFF_MEMBER_SQL)
_ROOM_SQL = (
    "SELECT r.id AS id, r.name AS name, r.cohort AS cohort, r.department AS department, "
    "r.pinned_message_id AS pinned_message_id, r.kind AS kind, "
    "r.direct_candidate AS direct_candidate, dc.department AS direct_department, "
    "rc.timezone AS cohort_timezone "
    "FROM room r LEFT JOIN candidate dc ON dc.id = r.direct_candidate "
    "LEFT JOIN cohort rc ON rc.id = r.cohort "
    "WHERE r.id = {} AND r.is_archived = {}"
)
_ROOM_READ = PreparedSQL(_ROOM_SQL)


def _candidate_member(
    candidate_id: int, name: str, department_id: int | None, cohort_id: int | None
) -> Member:
    return Member(
        kind="candidate",
        id=candidate_id,
        name=name,
        role="candidate",
        department_id=department_id,
        cohort_id=cohort_id,
    )


async def member_for_principal(principal: Principal | None) -> Member | None:
    """The room member a session stands for; None for no one, a withdrawn or inactive account."""
    if principal is None:
        return None
    if principal.kind == "candidate":
        rows = await _CANDIDATE_MEMBER_READ.rows(principal.id)
        if not rows:
            return None
        row = rows[0]
        return _candidate_member(row["id"], row["name"], row["department"], row["cohort"])
    rows = await _STAFF_MEMBER_READ.rows(principal.id)
    if not rows or not rows[0]["is_active"]:
        return None
    row = rows[0]
    return _staff_member(row["id"], row["name"], row["email"], row["role"], row["department"])


def _room_info(row: dict) -> RoomInfo:
    return RoomInfo(
        id=row["id"],
        name=row["name"],
        cohort_id=row["cohort"],
        department_id=row["department"],
        pinned_message_id=row["pinned_message_id"],
        kind=row.get("kind") or "room",
        direct_candidate_id=row.get("direct_candidate"),
        direct_department_id=row.get("direct_department"),
        cohort_timezone=row.get("cohort_timezone"),
    )


_ROOM_COLUMNS = (
    Room.id,
    Room.name,
    Room.cohort,
    Room.department,
    Room.pinned_message_id,
    Room.kind,
    Room.direct_candidate,
    Room.direct_candidate.department.as_alias("direct_department"),
    Room.cohort.timezone.as_alias("cohort_timezone"),
)


async def _is_group_member(member: Member, room_id: int) -> bool:
    column = RoomMember.staff if member.is_staff else RoomMember.candidate
    return await RoomMember.exists().where((RoomMember.room == room_id) & (column == member.id))


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
    if room.kind == "direct":
        if member.kind == "candidate":
            return candidate_may_join_direct_thread(
                candidate_id=member.id, thread_candidate_id=room.direct_candidate_id or 0
            )
        return member.staff is not None and may_join_direct_thread(
            member.staff, candidate_department_id=room.direct_department_id
        )
    if room.kind == "group":
        if member.kind == "candidate":
            return await _is_group_member(member, room.id)
        return member.staff is not None and may_join_group_chat(
            member.staff,
            is_member=await _is_group_member(member, room.id),
        )
    if room.kind != "room":
        return False  # fails closed for a kind this code does not know
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
    rows = await _ROOM_READ.rows(room_id, False)
    if not rows:
        raise NotFound(_("This room does not exist or is not yours."))
    room = _room_info(rows[0])
    if not await may_join(member, room):
        raise NotFound(_("This room does not exist or is not yours."))
    return room


async def member_in_room_now(member: Member, room_id: int) -> Member | None:
    found = await member_and_room_now(member, room_id)
    return found[0] if found else None


# A candidate's room page: the member and the room in one round trip (the two reads above
# joined), which on PostgreSQL is one of the six a room page made.
_CANDIDATE_AND_ROOM_READ = PreparedSQL(
    "SELECT c.id AS member_id, c.name AS member_name, c.department AS member_department, "
    "c.cohort AS member_cohort, r.id AS id, r.name AS name, r.cohort AS cohort, "
    "r.department AS department, r.pinned_message_id AS pinned_message_id, r.kind AS kind, "
    "r.direct_candidate AS direct_candidate, dc.department AS direct_department, "
    "rc.timezone AS cohort_timezone "
    "FROM candidate c "
    "LEFT JOIN room r ON r.id = {} AND r.is_archived = {} "
    "LEFT JOIN candidate dc ON dc.id = r.direct_candidate "
    "LEFT JOIN cohort rc ON rc.id = r.cohort "
    "WHERE c.id = {} AND c.status != 'withdrawn'"
)


async def candidate_and_room(candidate_id: int, room_id: int) -> tuple[Member, RoomInfo]:
    """What :func:`member_for_principal` and :func:`room_for_member` answer for a candidate,
    read together; NotFound for a withdrawn candidate or a room not theirs (no hint which)."""
    rows = await _CANDIDATE_AND_ROOM_READ.rows(room_id, False, candidate_id)
    if not rows:
        raise NotFound()
    row = rows[0]
    member = _candidate_member(
        row["member_id"], row["member_name"], row["member_department"], row["member_cohort"]
    )
    if row["id"] is None:
        raise NotFound(_("This room does not exist or is not yours."))
    room = _room_info(row)
    if not await may_join(member, room):
        raise NotFound(_("This room does not exist or is not yours."))
    return member, room


async def member_and_room_now(member: Member, room_id: int) -> tuple[Member, RoomInfo] | None:
    """``member`` as the database has them now, if still allowed in the room; else None.

    For a socket opened earlier: since then the candidate may have been withdrawn or
    moved, the account deactivated or given another role or department, the room
    archived. Each send asks again (inside its transaction), as does a revocation.
    """
    current = await member_for_principal(Principal(kind=member.kind, id=member.id))
    if current is None:
        return None
    try:
        room = await room_for_member(room_id, current)
    except NotFound:
        return None
    return current, room


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
        condition = (
            Room.department.is_not_null()
            & (Room.department == member.department_id)
            & Room.cohort.is_null()
        )
        if member.cohort_id is not None:
            condition = condition | (
                (Room.cohort == member.cohort_id)
                & (Room.department.is_null() | (Room.department == member.department_id))
            )
        groups = RoomMember.select(RoomMember.room).where(RoomMember.candidate == member.id)
        condition = ((Room.kind == "room") & condition) | (
            (Room.kind == "group") & Room.id.is_in(groups)
        )
        rows = (
            await Room.select(*_ROOM_COLUMNS)
            .where(condition & (Room.is_archived == False))  # noqa: E712
            .order_by(Room.id)
            .run()
        )
        rooms = [_room_info(row) for row in rows]
        return sorted(
            rooms, key=lambda room: (room.kind != "room", room.department_id is not None, room.id)
        )
    # Direct threads are reached through the SLA tracker and the candidate's page (there
    # is one per candidate), not listed with the rooms.
    rows = (
        await Room.select(*_ROOM_COLUMNS)
        .where((Room.is_archived == False) & (Room.kind != "direct"))  # noqa: E712
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
    await room_sockets_close(room_id)


async def room_sockets_close(room_id: int) -> None:
    """Close the room's open sockets on every worker (after the room was archived)."""
    from portal.realtime.hub import get_hub

    await after_commit(lambda: get_hub().revoke(kind="room", target=room_id))


async def member_sockets_recheck(
    *, candidate_id: int | None = None, staff_id: int | None = None
) -> None:
    """After a change to someone's rights (withdrawn, moved, deactivated, new role or
    department), their open room sockets re-check membership on every worker."""
    from portal.realtime.hub import get_hub

    if candidate_id is not None:
        await after_commit(lambda: get_hub().revoke(kind="candidate", target=candidate_id))
    if staff_id is not None:
        await after_commit(lambda: get_hub().revoke(kind="staff", target=staff_id))
