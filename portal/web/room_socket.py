"""The room's websocket: ``/ws/rooms/{room_id}`` (protocol in the README).

A plain ASGI application, not a Litestar route: a room fans every message out to every
member, and each frame going through the framework's per-socket wrappers (and each socket
carrying the framework's objects) cost about twice the time and memory of the socket
itself. :class:`RoomSocketFrontDoor` hands websocket connections under ``/ws/rooms/`` to
:func:`room_socket` and everything else to the Litestar app; it shares the app's session
store, so the same cookie signs in.

The handshake is refused (HTTP 403) for a foreign ``Origin`` (no cross-site websocket
hijacking: the session cookie would otherwise ride along), without a valid session, or
for a room the member may not join. Then: subscribe, catch up from the database after
``?after=``, and relay frames both ways until the client leaves.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from litestar.stores.base import Store
from litestar.types import ASGIApp, Receive, Scope, Send

from portal.auth.sessions import SESSION_COOKIE, session_load
from portal.config import get_settings
from portal.db import reads_together
from portal.domain.errors import NotFound
from portal.domain.rooms.membership import Member, RoomInfo, member_for_principal, room_for_member
from portal.domain.rooms.messages import (
    SendRefused,
    hidden_ids_up_to,
    message_event_by_id,
    message_events_after,
    message_send,
    recent_message_events,
)
from portal.i18n import reset_locale, scope_locale, set_locale
from portal.realtime.connection import RoomConnection
from portal.realtime.hub import encode_event, get_hub
from portal.scope_headers import cookie_from_scope, header_from_scope

logger = logging.getLogger("onramp.rooms")

PATH = re.compile(r"^/ws/rooms/(\d{1,12})/?$")
# A close before the handshake completes becomes HTTP 403 for the client.
CLOSE_FORBIDDEN = 4403
MAX_FRAME_CHARS = 16_000
CATCH_UP_PAGE = 500


class RoomSocketFrontDoor:
    """Route ``/ws/rooms/…`` websockets to :func:`room_socket`, the rest to ``app``."""

    def __init__(self, app: Any) -> None:
        self.app: ASGIApp = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A coroutine function, so that servers recognise an ASGI 3 application.
        if scope["type"] == "websocket" and scope["path"].startswith("/ws/rooms/"):
            await room_socket(scope, receive, send, session_store=self.app.state.session_store)
            return
        await self.app(scope, receive, send)

    def __getattr__(self, name: str) -> Any:
        # The wrapped app's attributes (state, routes…) stay reachable.
        return getattr(self.app, name)


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """Same site only: the configured base URL's host, or the Host the browser asked for."""
    if not origin:
        return False
    origin_host = urlsplit(origin).netloc.lower()
    if not origin_host:
        return False
    allowed = {urlsplit(get_settings().base_url).netloc.lower()}
    if host:
        allowed.add(host.lower())
    return origin_host in allowed


def _parse_after(query_string: bytes) -> int | None:
    """``?after=<id>``: None when absent, -1 when not a whole number."""
    values = parse_qs(query_string.decode("latin-1")).get("after")
    if not values or values[0] == "":
        return None
    raw = values[0]
    if not raw.isdigit() or len(raw) > 18:
        return -1
    return int(raw)


async def _admit(scope: Scope, session_store: Store) -> tuple[Member, RoomInfo, int | None] | None:
    """Who connects to which room, or None to refuse the handshake."""
    match = PATH.match(scope["path"])
    if match is None:
        return None
    if not origin_allowed(header_from_scope(scope, b"origin"), header_from_scope(scope, b"host")):
        return None
    after = _parse_after(scope.get("query_string", b""))
    if after == -1:
        return None
    principal = await session_load(session_store, cookie_from_scope(scope, SESSION_COOKIE))
    if principal is None:
        return None
    member = await member_for_principal(principal)
    if member is None:
        return None
    try:
        room = await room_for_member(int(match.group(1)), member)
    except NotFound:
        return None
    return member, room, after


async def _catch_up_frames(
    room: RoomInfo, member: Member, after: int | None
) -> tuple[list[str], set[int]]:
    """What a (re)connecting member gets first: missed messages, tombstones, the pin."""
    frames: list[str] = []
    if after is None:
        events = await recent_message_events(room.id, member)
    else:
        events = []
        cursor = after
        while True:
            page = await message_events_after(room.id, member, cursor, limit=CATCH_UP_PAGE)
            events.extend(page)
            if len(page) < CATCH_UP_PAGE:
                break
            cursor = page[-1]["id"]
        frames += [
            encode_event({"type": "hidden", "id": hidden_id})
            for hidden_id in await hidden_ids_up_to(room.id, after)
        ]
    pinned = await message_event_by_id(room.pinned_message_id) if room.pinned_message_id else None
    frames += [encode_event(event) for event in events]
    if pinned and (not pinned["private"] or member.is_staff):
        frames.append(encode_event({"type": "pinned", "id": pinned["id"], "message": pinned}))
    return frames, {event["id"] for event in events}


async def _handle_frame(send: Send, room: RoomInfo, member: Member, raw: str) -> None:
    async def reply(event: dict[str, Any]) -> None:
        await send({"type": "websocket.send", "text": encode_event(event)})

    try:
        frame = json.loads(raw) if len(raw) <= MAX_FRAME_CHARS else None
    except ValueError:
        frame = None
    if not isinstance(frame, dict):
        await reply(SendRefused("bad_frame", "Frames are JSON objects.").event(client_id=None))
        return
    client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
    kind = frame.get("type")
    if kind == "ping":
        await reply({"type": "pong"})
        return
    if kind != "send":
        await reply(SendRefused("bad_type", "Unknown frame type.").event(client_id=client_id))
        return
    try:
        result = await message_send(
            room_id=room.id,
            author=member,
            client_id=frame.get("client_id"),
            kind=frame.get("kind", "chat"),
            body=frame.get("body"),
            reply_to=frame.get("reply_to"),
            private=frame.get("private") is True,
            category_id=frame.get("category"),
        )
    except SendRefused as refused:
        await reply(refused.event(client_id))
        return
    await reply({"type": "ack", "client_id": client_id, "id": result.id})


async def room_socket(scope: Scope, receive: Receive, send: Send, *, session_store: Store) -> None:
    # One coroutine for the whole life of the socket (each frame kept costs memory × members).
    locale_token = set_locale(scope_locale(scope))
    try:
        if (await receive())["type"] != "websocket.connect":
            return
        hub = get_hub()
        await hub.ready()
        # Every read of the handshake on one database connection (it matters when a whole
        # cohort reconnects at once).
        async with reads_together():
            admitted = await _admit(scope, session_store)
            if admitted is None:
                await send({"type": "websocket.close", "code": CLOSE_FORBIDDEN})
                return
            member, room, after = admitted
            del admitted
            connection = RoomConnection(
                send, is_staff=member.is_staff, candidate_id=None if member.is_staff else member.id
            )
            connection.handler_task = asyncio.current_task()
            # Subscribe first, then read the database: whatever is published during the
            # catch-up waits in the connection's queue and is sent after it, minus what the
            # catch-up sent.
            hub.subscribe(room.id, connection)
            try:
                frames, delivered = await _catch_up_frames(room, member, after)
            except BaseException:
                hub.unsubscribe(room.id, connection)
                raise
        try:
            await send({"type": "websocket.accept"})
            for text in frames:
                await send({"type": "websocket.send", "text": text})
            await connection.finish_catch_up(delivered)
            del frames, delivered  # not kept for the life of the socket
            while not connection.closed:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("text")
                if raw is None:
                    raw = (message.get("bytes") or b"").decode("utf-8", "replace")
                try:
                    await _handle_frame(send, room, member, raw)
                except Exception:
                    logger.exception("room %s: frame failed", room.id)
                    await send(
                        {
                            "type": "websocket.send",
                            "text": encode_event(
                                {"type": "error", "code": "server_error", "detail": "Try again."}
                            ),
                        }
                    )
        except asyncio.CancelledError:
            if not connection.aborted:
                raise
            # Dropped as too slow: end quietly; the client resumes with ?after= when it can.
        except OSError:
            pass  # the client vanished mid-send
        finally:
            connection.closed = True
            hub.unsubscribe(room.id, connection)
    finally:
        reset_locale(locale_token)
