"""The admin side of the cohort Q&A rooms: the list, and one room's moderation page.

Staff see the rooms they may join (``portal.domain.rooms.membership``: HR and admins every
room, a manager their department's); only HR and admins add or archive rooms. Every moderation
action is a plain form post that comes back to the room page, and the same endpoints
answer ``fetch`` from ``static/js/room.js`` (CSRF token in the ``x-csrftoken`` header,
``Accept: application/json``) with 204 or JSON.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id, is_plausible_id
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.access import may_manage_rooms
from portal.domain.candidates.lists import department_choices
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.organisation.cohort_lists import cohort_choices
from portal.domain.rooms.membership import (
    RoomInfo,
    member_for_staff,
    room_archive,
    room_create,
    room_for_member,
    rooms_for_member,
)
from portal.domain.rooms.messages import (
    SendRefused,
    message_event_by_id,
    recent_message_events,
    staff_send,
)
from portal.domain.rooms.moderation import (
    MUTE_CHOICES_MINUTES,
    active_mutes,
    hidden_messages,
    member_mute,
    member_unmute,
    message_hide,
    message_pin,
    open_reports,
    report_dismiss,
)
from portal.domain.rooms.summaries import report_room_id, room_candidates, room_summaries
from portal.domain.staff.tables import StaffUser
from portal.domain.validation import whole_number
from portal.i18n import gettext as _
from portal.i18n import ngettext

ROOM_FIELDS = ("name", "cohort", "department")
MUTE_FIELDS = ("candidate", "minutes", "reason")
# Messages the page renders before the live script takes over.
PAGE_MESSAGES = 100
MAX_FORM_TEXT = 20_000


def mute_label(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(num)s day", "%(num)s days", days)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(num)s hour", "%(num)s hours", hours)
    return ngettext("%(num)s minute", "%(num)s minutes", minutes)


def _notices() -> dict[str, str]:
    return {
        "hidden": _("The message is hidden. Members no longer see it; it stays in the audit."),
        "pinned": _("The message is pinned."),
        "unpinned": _("The pinned message is unpinned."),
        "muted": _("The member is muted."),
        "unmuted": _("The member may write again."),
        "dismissed": _("The report is dismissed."),
        "sent": _("Your message is sent."),
        "created": _("The room is ready."),
        "archived": _("The room is archived."),
    }


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def _fields(request: Request[Any, Any, Any], *names: str) -> dict[str, str]:
    """The named fields as text, from a form post or a JSON body (room.js)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            data = json.loads(await request.body() or b"{}")
        except (ValueError, RecursionError):
            # RecursionError: JSON nested about a thousand deep, which the parser refuses.
            raise ClientException(_("The request body is not the JSON object expected.")) from None
        if not isinstance(data, dict):
            raise ClientException(_("The request body is not the JSON object expected."))
    else:
        data = dict(await request.form())
    values = {}
    for name in names:
        value = data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        values[name] = value[:MAX_FORM_TEXT] if isinstance(value, str) else ""
    return values


def _id_or_404(value: int) -> int:
    if not is_plausible_id(value):
        raise NotFound(_("Not found."))
    return value


async def _visible_room(staff: StaffUser, room_id: int) -> RoomInfo:
    return await room_for_member(_id_or_404(room_id), member_for_staff(staff))


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _list_page(
    staff: StaffUser,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Template:
    rooms = await rooms_for_member(member_for_staff(staff))
    may_manage = may_manage_rooms(staff)
    return admin_page(
        "admin/rooms/list.html",
        staff,
        status_code=status_code,
        summaries=await room_summaries(rooms),
        cohorts=await cohort_choices(department_scope=None) if may_manage else [],
        departments=await department_choices() if may_manage else [],
        values=values or dict.fromkeys(ROOM_FIELDS, ""),
        errors=errors or {},
        notice=notice,
        timezone=get_settings().default_timezone,
    )


async def _room_page(
    staff: StaffUser,
    room: RoomInfo,
    *,
    notice: str = "",
    error: str = "",
    mute_values: dict[str, str] | None = None,
    mute_errors: dict[str, str] | None = None,
    send_body: str = "",
    send_error: str = "",
    status_code: int = 200,
) -> Template:
    member = member_for_staff(staff)
    events = await recent_message_events(room.id, member, limit=PAGE_MESSAGES)
    messages = [{**event, "at": _at(event["created_at"])} for event in events]
    pinned = None
    if room.pinned_message_id is not None:
        pinned = await message_event_by_id(room.pinned_message_id)
        if pinned is not None:
            pinned = {**pinned, "at": _at(pinned["created_at"])}
    summary = (await room_summaries([room]))[0]
    return admin_page(
        "admin/rooms/room.html",
        staff,
        status_code=status_code,
        room=room,
        summary=summary,
        messages=messages,
        last_id=messages[-1]["id"] if messages else 0,
        pinned=pinned,
        reports=await open_reports(room.id),
        mutes=await active_mutes(room.id),
        hidden=await hidden_messages(room.id),
        candidates=await room_candidates(room),
        mute_choices=[(minutes, mute_label(minutes)) for minutes in MUTE_CHOICES_MINUTES],
        mute_values=mute_values or {"candidate": "", "minutes": "60", "reason": ""},
        mute_errors=mute_errors or {},
        notice=notice,
        error=error,
        send_body=send_body,
        send_error=send_error,
        # One per render: a double submit of the same form is stored once.
        client_id=uuid.uuid4().hex,
        timezone=get_settings().default_timezone,
    )


def _done(
    request: Request[Any, Any, Any], room_id: int, notice: str, payload: dict[str, Any] | None
) -> Response[Any]:
    if _wants_json(request):
        if payload is None:
            return Response(None, status_code=204, headers={"Cache-Control": "no-store"})
        return Response(payload, status_code=200, headers={"Cache-Control": "no-store"})
    target = f"/admin/rooms/{room_id}?done={notice}"
    return Redirect(target, status_code=HTTP_303_SEE_OTHER)


async def _refused(
    request: Request[Any, Any, Any],
    staff: StaffUser,
    room: RoomInfo,
    status_code: int,
    message: str,
    *,
    errors: dict[str, str] | None = None,
    mute_values: dict[str, str] | None = None,
) -> Response[Any]:
    if _wants_json(request):
        return Response(
            {"detail": message, "errors": errors or {}},
            status_code=status_code,
            headers={"Cache-Control": "no-store"},
        )
    return await _room_page(
        staff,
        room,
        error=message,
        mute_errors=errors if mute_values is not None else None,
        mute_values=mute_values,
        status_code=status_code,
    )


async def _moderate(
    request: Request[Any, Any, Any],
    staff: StaffUser,
    room_id: int,
    notice: str,
    action: Any,
    *,
    mute_values: dict[str, str] | None = None,
) -> Response[Any]:
    """Run one moderation action on a room this staff member may see; answer form or fetch."""
    try:
        room = await _visible_room(staff, room_id)
    except NotFound as missing:
        if _wants_json(request):
            return Response({"detail": str(missing)}, status_code=404)
        raise
    try:
        payload = await action(room)
    except ValidationFailed as failed:
        message = _("Please correct the fields marked below.")
        return await _refused(
            request, staff, room, 400, message, errors=failed.errors, mute_values=mute_values
        )
    except Conflict as refused:
        return await _refused(request, staff, room, 409, str(refused))
    except NotFound as missing:
        return await _refused(request, staff, room, 404, str(missing))
    return _done(request, room.id, notice, payload)


class RoomAdminController(Controller):
    path = "/rooms"

    @get("/", name="admin-rooms")
    async def list_rooms(
        self, staff: NamedDependency[StaffUser], done: FromQuery[str | None] = None
    ) -> Template:
        return await _list_page(staff, notice=_notices().get(done or "", ""))

    @post("/new", name="admin-room-create", guards=[HR_ONLY])
    async def create_room(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await _fields(request, *ROOM_FIELDS)
        try:
            room_id = await room_create(
                name=values["name"],
                cohort_id=form_id(values["cohort"]),
                department_id=form_id(values["department"]),
            )
        except ValidationFailed as failed:
            return await _list_page(staff, values=values, errors=failed.errors, status_code=400)
        return Redirect(f"/admin/rooms/{room_id}?done=created", status_code=HTTP_303_SEE_OTHER)

    @post("/{room_id:int}/archive", name="admin-room-archive", guards=[HR_ONLY])
    async def archive_room(
        self, staff: NamedDependency[StaffUser], room_id: FromPath[int]
    ) -> Redirect:
        room = await _visible_room(staff, room_id)
        await room_archive(room.id)
        return Redirect("/admin/rooms?done=archived", status_code=HTTP_303_SEE_OTHER)

    @get("/{room_id:int}", name="admin-room")
    async def room_page(
        self,
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
        done: FromQuery[str | None] = None,
    ) -> Template:
        room = await _visible_room(staff, room_id)
        return await _room_page(staff, room, notice=_notices().get(done or "", ""))

    @post("/{room_id:int}/send", name="admin-room-send")
    async def send(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
    ) -> Response[Any]:
        room = await _visible_room(staff, room_id)
        form = await _fields(request, "body", "client_id", "reply_to")
        try:
            result = await staff_send(
                staff=staff,
                room_id=room.id,
                client_id=form["client_id"] or uuid.uuid4().hex,
                body=form["body"],
                reply_to=form_id(form["reply_to"]),
            )
        except SendRefused as refused:
            if _wants_json(request):
                return Response({"detail": refused.detail, "code": refused.code}, status_code=400)
            return await _room_page(
                staff,
                room,
                send_body=form["body"],
                send_error=refused.detail,
                status_code=400,
            )
        return _done(request, room.id, "sent", {"id": result.id} if _wants_json(request) else None)

    @post("/{room_id:int}/messages/{message_id:int}/hide", name="admin-room-hide")
    async def hide(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
        message_id: FromPath[int],
    ) -> Response[Any]:
        form = await _fields(request, "reason")

        async def action(room: RoomInfo) -> None:
            await message_hide(
                staff=staff,
                room_id=room.id,
                message_id=_id_or_404(message_id),
                reason=form["reason"],
            )

        return await _moderate(request, staff, room_id, "hidden", action)

    @post("/{room_id:int}/messages/{message_id:int}/pin", name="admin-room-pin")
    async def pin(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
        message_id: FromPath[int],
    ) -> Response[Any]:
        async def action(room: RoomInfo) -> None:
            await message_pin(staff=staff, room_id=room.id, message_id=_id_or_404(message_id))

        return await _moderate(request, staff, room_id, "pinned", action)

    @post("/{room_id:int}/moderate", name="admin-room-moderate")
    async def moderate_by_number(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
    ) -> Response[Any]:
        """Hide or pin a message chosen from a list (the page without script)."""
        form = await _fields(request, "message", "reason", "do")
        chosen = form_id(form["message"])
        pinning = form["do"] == "pin"

        async def action(room: RoomInfo) -> None:
            if not chosen:
                raise NotFound(_("This message does not exist."))
            if pinning:
                await message_pin(staff=staff, room_id=room.id, message_id=chosen)
            else:
                await message_hide(
                    staff=staff, room_id=room.id, message_id=chosen, reason=form["reason"]
                )

        return await _moderate(request, staff, room_id, "pinned" if pinning else "hidden", action)

    @post("/{room_id:int}/unpin", name="admin-room-unpin")
    async def unpin(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
    ) -> Response[Any]:
        async def action(room: RoomInfo) -> None:
            await message_pin(staff=staff, room_id=room.id, message_id=None)

        return await _moderate(request, staff, room_id, "unpinned", action)

    @post("/{room_id:int}/mute", name="admin-room-mute-form")
    async def mute_from_form(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
    ) -> Response[Any]:
        """The side panel's form: the member comes from a select."""
        values = await _fields(request, *MUTE_FIELDS)
        return await _mute(request, staff, room_id, form_id(values["candidate"]), values)

    @post("/{room_id:int}/members/{candidate_id:int}/mute", name="admin-room-mute")
    async def mute(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        values = await _fields(request, *MUTE_FIELDS)
        values["candidate"] = str(candidate_id)
        chosen = candidate_id if is_plausible_id(candidate_id) else 0
        return await _mute(request, staff, room_id, chosen, values)

    @post("/{room_id:int}/members/{candidate_id:int}/unmute", name="admin-room-unmute")
    async def unmute(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        async def action(room: RoomInfo) -> None:
            await member_unmute(staff=staff, room_id=room.id, candidate_id=_id_or_404(candidate_id))

        return await _moderate(request, staff, room_id, "unmuted", action)

    @post("/{room_id:int}/reports/{report_id:int}/dismiss", name="admin-room-dismiss")
    async def dismiss(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        room_id: FromPath[int],
        report_id: FromPath[int],
    ) -> Response[Any]:
        async def action(room: RoomInfo) -> None:
            # A report of another room is not this room's to dismiss.
            if await report_room_id(_id_or_404(report_id)) != room.id:
                raise NotFound(_("This report does not exist."))
            await report_dismiss(staff=staff, report_id=report_id)

        return await _moderate(request, staff, room_id, "dismissed", action)


async def _mute(
    request: Request[Any, Any, Any],
    staff: StaffUser,
    room_id: int,
    candidate_id: int | None,
    values: dict[str, str],
) -> Response[Any]:
    async def action(room: RoomInfo) -> dict[str, Any] | None:
        errors: dict[str, str] = {}
        allowed = {candidate.id for candidate in await room_candidates(room)}
        if candidate_id is None:
            errors["candidate"] = _("Choose a member.")
        elif candidate_id not in allowed:
            errors["candidate"] = _("Choose a member of this room from the list.")
        text = values["minutes"].strip()
        minutes = whole_number(text, maximum=999_999) or 0
        if minutes not in MUTE_CHOICES_MINUTES:
            errors["minutes"] = _("Choose a duration from the list.")
        if errors:
            raise ValidationFailed(errors)
        until = await member_mute(
            staff=staff,
            room_id=room.id,
            candidate_id=candidate_id,  # type: ignore[arg-type]
            minutes=minutes,
            reason=values["reason"],
        )
        return {"until": until.isoformat()} if _wants_json(request) else None

    return await _moderate(request, staff, room_id, "muted", action, mute_values=values)
