"""Group chats beyond the cohort rooms (e.g. 生产岗新人群 with future colleagues).

A room of kind ``group``: the room page, its websocket, moderation and the SLA tracker
serve it as any room. Who is in it is explicit (``room_member`` rows): the candidates and
staff members HR added. HR and admins moderate every group; a manager joins only when
added. Removing someone closes their open sockets on every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from portal.db import is_unique_violation, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.rooms.membership import MAX_ROOM_NAME, member_sockets_recheck
from portal.domain.rooms.tables import Room, RoomMember
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _


@dataclass(frozen=True)
class GroupMember:
    id: int
    kind: Literal["candidate", "staff"]
    person_id: int
    name: str
    contact: str


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    members: int


async def group_create(*, name: str, staff_id: int) -> int:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": _("Enter a name.")})
    if len(name) > MAX_ROOM_NAME:
        raise ValidationFailed({"name": _("At most %(count)s characters.", count=MAX_ROOM_NAME)})
    async with write_transaction():
        room = Room(name=name, kind="group")
        await room.save()
        # The creator is a member (a manager creating one could not see it otherwise).
        await RoomMember(room=room.id, staff=staff_id, added_by=staff_id).save()
    return room.id


async def _group(room_id: int) -> dict:
    row = (
        await Room.select(Room.id, Room.name)
        .where((Room.id == room_id) & (Room.kind == "group") & (Room.is_archived == False))  # noqa: E712
        .first()
    )
    if row is None:
        raise NotFound(_("Not found."))
    return row


async def groups_list() -> list[Group]:
    rows = await Room.raw(
        "SELECT r.id AS id, r.name AS name, "
        "(SELECT COUNT(*) FROM room_member m WHERE m.room = r.id) AS members "
        "FROM room r WHERE r.kind = 'group' AND r.is_archived = {} ORDER BY r.id DESC",
        False,
    )
    return [Group(**row) for row in rows]


async def group_members(room_id: int) -> tuple[dict, list[GroupMember]]:
    group = await _group(room_id)
    rows = (
        await RoomMember.select(
            RoomMember.id,
            RoomMember.candidate,
            RoomMember.staff,
            RoomMember.candidate.name.as_alias("candidate_name"),
            RoomMember.candidate.phone.as_alias("candidate_phone"),
            RoomMember.staff.name.as_alias("staff_name"),
            RoomMember.staff.email.as_alias("staff_email"),
        )
        .where(RoomMember.room == room_id)
        .order_by(RoomMember.id)
    )
    members = [
        GroupMember(row["id"], "candidate", row["candidate"], row["candidate_name"] or "",
                    row["candidate_phone"] or "")
        if row["candidate"]
        else GroupMember(row["id"], "staff", row["staff"], row["staff_name"] or "",
                         row["staff_email"] or "")
        for row in rows
    ]  # fmt: skip
    return group, members


async def group_member_add(*, room_id: int, kind: str, contact: str, staff_id: int) -> None:
    """Add a candidate (by phone or e-mail) or a staff member (by e-mail); once each."""
    await _group(room_id)
    contact = contact.strip()
    if kind not in ("candidate", "staff"):
        raise ValidationFailed({"kind": _("Choose a candidate or a staff member.")})
    if not contact or len(contact) > 254:
        raise ValidationFailed({"contact": _("Enter a phone number or an e-mail address.")})
    if kind == "candidate":
        row = (
            await Candidate.select(Candidate.id)
            .where(
                ((Candidate.phone == contact) | (Candidate.email == contact.lower()))
                & (Candidate.status != "withdrawn")
            )
            .first()
        )
        values = {"candidate": row["id"]} if row else None
    else:
        row = (
            await StaffUser.select(StaffUser.id)
            .where((StaffUser.email == contact.lower()) & (StaffUser.is_active == True))  # noqa: E712
            .first()
        )
        values = {"staff": row["id"]} if row else None
    if values is None:
        raise ValidationFailed({"contact": _("No one with this phone number or e-mail address.")})
    try:
        await RoomMember(room=room_id, added_by=staff_id, **values).save()
    except Exception as error:
        if not is_unique_violation(error):
            raise
        # Already a member: nothing to do.


async def group_member_remove(*, room_id: int, member_id: int) -> None:
    await _group(room_id)
    async with write_transaction():
        removed = (
            await RoomMember.delete()
            .where((RoomMember.id == member_id) & (RoomMember.room == room_id))
            .returning(RoomMember.candidate, RoomMember.staff)
        )
        for row in removed:
            await member_sockets_recheck(candidate_id=row["candidate"], staff_id=row["staff"])
    if not removed:
        raise NotFound(_("Not found."))
