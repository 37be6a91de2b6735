"""Moderating a room: hide, pin, mute, and members' reports.

Hiding never deletes: the row keeps its body, who hid it and why (the audit), and members
receive ``{"type": "hidden", "id": …}`` so every open page removes it at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.db import is_unique_violation
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.rooms.membership import Member, member_for_staff, room_for_member
from portal.domain.rooms.messages import message_event_by_id
from portal.domain.rooms.tables import MessageReport, Room, RoomMessage, RoomMute
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _
from portal.realtime.hub import get_hub

MUTE_CHOICES_MINUTES = (10, 60, 24 * 60, 7 * 24 * 60)
MAX_REASON = 500


async def _message_in_room(message_id: int, room_id: int) -> dict[str, Any]:
    row = (
        await RoomMessage.select(
            RoomMessage.id,
            RoomMessage.room,
            RoomMessage.hidden_at,
            RoomMessage.private_to,
            RoomMessage.author_candidate,
        )
        .where((RoomMessage.id == message_id) & (RoomMessage.room == room_id))
        .first()
        .run()
    )
    if row is None:
        raise NotFound(_("This message does not exist."))
    return row


async def message_hide(*, staff: StaffUser, room_id: int, message_id: int, reason: str) -> None:
    await room_for_member(room_id, member_for_staff(staff))
    message = await _message_in_room(message_id, room_id)
    if message["hidden_at"] is not None:
        raise Conflict(_("This message is already hidden."))
    now = datetime.now(UTC)
    updated = (
        await RoomMessage.update(
            {
                RoomMessage.hidden_at: now,
                RoomMessage.hidden_by: staff.id,
                RoomMessage.hidden_reason: reason.strip()[:MAX_REASON],
            }
        )
        .where((RoomMessage.id == message_id) & RoomMessage.hidden_at.is_null())
        .returning(RoomMessage.id)
        .run()
    )
    if not updated:
        raise Conflict(_("This message is already hidden."))
    # Its reports are dealt with.
    await (
        MessageReport.update({MessageReport.resolved_at: now, MessageReport.resolved_by: staff.id})
        .where((MessageReport.message == message_id) & MessageReport.resolved_at.is_null())
        .run()
    )
    hub = get_hub()
    await hub.publish(room_id, {"type": "hidden", "id": message_id}, private_to=None)
    room = await Room.select(Room.pinned_message_id).where(Room.id == room_id).first().run()
    if room and room["pinned_message_id"] == message_id:
        await message_pin(staff=staff, room_id=room_id, message_id=None)


async def message_pin(*, staff: StaffUser, room_id: int, message_id: int | None) -> None:
    """Pin one message (replacing any other), or unpin with ``None``."""
    await room_for_member(room_id, member_for_staff(staff))
    event: dict[str, Any] = {"type": "pinned", "id": None, "message": None}
    if message_id is not None:
        message = await _message_in_room(message_id, room_id)
        if message["hidden_at"] is not None or message["private_to"] is not None:
            raise Conflict(_("Only a visible message of the whole room can be pinned."))
        event = {
            "type": "pinned",
            "id": message_id,
            "message": await message_event_by_id(message_id),
        }
    await Room.update({Room.pinned_message_id: message_id}).where(Room.id == room_id).run()
    await get_hub().publish(room_id, event, private_to=None)


async def member_mute(
    *, staff: StaffUser, room_id: int, candidate_id: int, minutes: int, reason: str
) -> datetime:
    member = member_for_staff(staff)
    await room_for_member(room_id, member)
    if minutes not in MUTE_CHOICES_MINUTES:
        raise ValidationFailed({"minutes": _("Choose a duration from the list.")})
    candidate = (
        await Candidate.select(Candidate.id).where(Candidate.id == candidate_id).first().run()
    )
    if candidate is None:
        raise NotFound(_("Not found."))
    now = datetime.now(UTC)
    until = now + timedelta(minutes=minutes)
    await RoomMute(
        room=room_id,
        candidate=candidate_id,
        until=until,
        reason=reason.strip()[:MAX_REASON],
        muted_by=staff.id,
        created_at=now,
    ).save()
    return until


async def member_unmute(*, staff: StaffUser, room_id: int, candidate_id: int) -> None:
    await room_for_member(room_id, member_for_staff(staff))
    now = datetime.now(UTC)
    await (
        RoomMute.update({RoomMute.until: now})
        .where(
            (RoomMute.room == room_id)
            & (RoomMute.candidate == candidate_id)
            & (RoomMute.until > now)
        )
        .run()
    )


async def message_report(*, member: Member, room_id: int, message_id: int, reason: str) -> None:
    """A member flags a message for the moderators (once per member and message)."""
    if member.is_staff:
        raise Conflict(_("Staff hide messages instead of reporting them."))
    await room_for_member(room_id, member)
    message = await _message_in_room(message_id, room_id)
    if message["hidden_at"] is not None:
        return
    if message["private_to"] is not None and message["private_to"] != member.id:
        raise NotFound(_("This message does not exist."))
    try:
        await MessageReport(
            message=message_id, reporter=member.id, reason=reason.strip()[:MAX_REASON]
        ).save()
    except Exception as error:
        if is_unique_violation(error):
            return  # reported already: once is enough
        raise


async def active_mutes(room_id: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return (
        await RoomMute.select(
            RoomMute.id,
            RoomMute.candidate,
            RoomMute.candidate.name.as_alias("candidate_name"),
            RoomMute.until,
            RoomMute.reason,
        )
        .where((RoomMute.room == room_id) & (RoomMute.until > now))
        .order_by(RoomMute.until)
        .run()
    )


async def open_reports(room_id: int | None = None) -> list[dict[str, Any]]:
    """Unresolved reports, newest first, with the message and who reported it."""
    condition = MessageReport.resolved_at.is_null()
    if room_id is not None:
        condition = condition & (MessageReport.message.room == room_id)
    return (
        await MessageReport.select(
            MessageReport.id,
            MessageReport.message,
            MessageReport.reason,
            MessageReport.created_at,
            MessageReport.reporter.name.as_alias("reporter_name"),
            MessageReport.message.body.as_alias("body"),
            MessageReport.message.room.as_alias("room"),
            MessageReport.message.author_candidate.name.as_alias("author_name"),
            MessageReport.message.author_candidate.as_alias("author_candidate"),
        )
        .where(condition)
        .order_by(MessageReport.created_at, ascending=False)
        .run()
    )


async def report_dismiss(*, staff: StaffUser, report_id: int) -> None:
    report = (
        await MessageReport.select(MessageReport.message.room.as_alias("room"))
        .where(MessageReport.id == report_id)
        .first()
        .run()
    )
    if report is None:
        raise NotFound(_("Not found."))
    await room_for_member(report["room"], member_for_staff(staff))
    await (
        MessageReport.update(
            {MessageReport.resolved_at: datetime.now(UTC), MessageReport.resolved_by: staff.id}
        )
        .where((MessageReport.id == report_id) & MessageReport.resolved_at.is_null())
        .run()
    )


async def hidden_messages(room_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """The audit of hidden messages: what was said, who hid it, when and why."""
    return (
        await RoomMessage.select(
            RoomMessage.id,
            RoomMessage.body,
            RoomMessage.created_at,
            RoomMessage.hidden_at,
            RoomMessage.hidden_reason,
            RoomMessage.author_candidate.name.as_alias("author_name"),
            RoomMessage.author_staff.name.as_alias("author_staff_name"),
            RoomMessage.hidden_by.name.as_alias("hidden_by_name"),
            RoomMessage.hidden_by.email.as_alias("hidden_by_email"),
        )
        .where((RoomMessage.room == room_id) & RoomMessage.hidden_at.is_not_null())
        .order_by(RoomMessage.hidden_at, ascending=False)
        .limit(limit)
        .run()
    )
