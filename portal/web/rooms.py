"""Candidate pages of the Q&A room: the room list, a room, sending without JS, reports.

The room page renders the latest messages on the server (readable at once, and without
JavaScript); ``static/js/room.js`` then connects the websocket with ``?after=`` the last
id on the page and keeps it live.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_204_NO_CONTENT, HTTP_303_SEE_OTHER

from portal.auth.sessions import Principal
from portal.domain.errors import Conflict, NotFound
from portal.domain.rooms.direct import direct_replies_read
from portal.domain.rooms.display import messages_for_display, room_timezone
from portal.domain.rooms.errors import SendRefused
from portal.domain.rooms.membership import (
    Member,
    RoomInfo,
    candidate_and_room,
    member_for_principal,
    room_for_member,
    rooms_for_member,
)
from portal.domain.rooms.messages import message_send, recent_message_events
from portal.domain.rooms.moderation import message_report
from portal.domain.rooms.page_lists import room_page_lists
from portal.domain.validation import row_id_from
from portal.web.faq import similar_questions_step

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _member(request: Request[Any, Any, Any]) -> Member:
    principal: Principal | None = request.user
    member = await member_for_principal(principal)
    if member is None or member.kind != "candidate":
        raise NotFound()
    return member


async def room_page_context(
    room_id: int,
    member: Member,
    *,
    room: RoomInfo | None = None,
    reply: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """``room``: the room when the caller has read it for ``member`` already."""
    room = room or await room_for_member(room_id, member)
    if room.is_direct and member.kind == "candidate":
        # Reading the thread reads HR's replies: their inbox items stop counting as unread.
        await direct_replies_read(candidate_id=member.id, room_id=room.id)
    timezone = await room_timezone(room)
    messages = messages_for_display(await recent_message_events(room.id, member), timezone=timezone)
    # Replying without JavaScript: ?reply=<id> of a message on the page fills the composer.
    replying = next((m for m in messages if reply is not None and m["id"] == reply), None)
    pinned = next((m for m in messages if m["id"] == room.pinned_message_id), None)
    if room.pinned_message_id and pinned is None:
        from portal.domain.rooms.messages import message_event_by_id

        pinned = await message_event_by_id(room.pinned_message_id)
    lists = await room_page_lists(candidate_id=member.id, room_id=room.id)
    return {
        "room": room,
        "member": member,
        "messages": messages,
        "pinned": pinned,
        "last_id": messages[-1]["id"] if messages else 0,
        # The question categories, and "was this helpful?" on the member's answered
        # questions: one query for both.
        "categories": lists.categories,
        "feedback_pending": lists.feedback_pending,
        "client_id": secrets.token_hex(16),  # what uuid4().hex gave, without the UUID object
        "timezone": timezone,
        "replying": replying,
        **extra,
    }


@get("/rooms", name="rooms")
async def rooms_page(
    request: Request[Any, Any, Any], candidate_id: NamedDependency[int]
) -> Template | Redirect:
    member = await _member(request)
    rooms = await rooms_for_member(member)
    if len(rooms) == 1:
        # At the newest message, without JavaScript too (the composer follows the list).
        return Redirect(f"/rooms/{rooms[0].id}#composer")
    return Template("portal/rooms.html", context={"rooms": rooms})


@get("/rooms/{room_id:int}", name="room")
async def room_page(
    request: Request[Any, Any, Any], candidate_id: NamedDependency[int], room_id: FromPath[int]
) -> Template:
    member, room = await candidate_and_room(candidate_id, room_id)
    context = await room_page_context(
        room_id,
        member,
        room=room,
        reply=row_id_from(request.query_params.get("reply") or ""),
        sent=request.query_params.get("sent"),
        reported=request.query_params.get("reported"),
    )
    return Template("portal/room.html", context=context, headers={"Cache-Control": "no-store"})


@post("/rooms/{room_id:int}/messages", name="room-send")
async def room_send(
    request: Request[Any, Any, Any],
    candidate_id: NamedDependency[int],
    room_id: FromPath[int],
    data: FormData,
) -> Template | Redirect:
    """Sending without JavaScript; the form's client_id makes a double submit harmless."""
    member = await _member(request)
    room = await room_for_member(room_id, member)
    kind = "question" if data.get("kind") == "question" else "chat"
    if kind == "question" and data.get("similar_seen") != "1":  # instant answers first
        step = await similar_questions_step(
            candidate_id=candidate_id,
            room_id=room_id,
            data=data,
            context="thread" if room.is_direct else "room",
        )
        if step is not None:
            return step
    try:
        await message_send(
            room_id=room_id,
            author=member,
            client_id=str(data.get("client_id", "")),
            kind=kind,
            body=str(data.get("body", "")),
            # Empty: no reply; anything but an id becomes 0, which the service refuses.
            reply_to=row_id_from(data["reply_to"]) or 0 if data.get("reply_to") else None,
            private=kind == "question" and data.get("private") == "1",
            category_id=data.get("category") or None,
        )
    except SendRefused as refused:
        context = await room_page_context(
            room_id, member, error=refused.detail, draft=str(data.get("body", ""))[:5000]
        )
        return Template("portal/room.html", context=context, status_code=422)
    return Redirect(f"/rooms/{room_id}?sent=1#composer", status_code=HTTP_303_SEE_OTHER)


@post(
    "/rooms/{room_id:int}/messages/{message_id:int}/report",
    name="room-report",
)
async def room_report(
    request: Request[Any, Any, Any],
    candidate_id: NamedDependency[int],
    room_id: FromPath[int],
    message_id: FromPath[int],
    data: FormData,
) -> Response[None] | Redirect:
    member = await _member(request)
    with contextlib.suppress(Conflict):
        await message_report(
            member=member,
            room_id=room_id,
            message_id=message_id,
            reason=str(data.get("reason", ""))[:500],
        )
    if "application/json" in request.headers.get("accept", ""):
        return Response(None, status_code=HTTP_204_NO_CONTENT)
    return Redirect(f"/rooms/{room_id}?reported=1", status_code=HTTP_303_SEE_OTHER)


ROOM_PAGES = [rooms_page, room_page, room_send, room_report]
