"""The room's websocket: ``/ws/rooms/{room_id}`` (protocol in the README).

A plain ASGI application, not a Litestar route: a room fans every message out to every
member, and each frame going through the framework's per-socket wrappers (and each socket
carrying the framework's objects) cost about twice the time and memory of the socket
itself. :class:`RoomSocketFrontDoor` hands websocket connections under ``/ws/rooms/`` to
:func:`room_socket` and everything else to the Litestar app; it shares the app's session
store, so the same cookie signs in.

The handshake is refused with an HTTP status before the upgrade: 400 for a malformed
path or ``?after=``, 403 for a foreign ``Origin`` (no cross-site websocket hijacking: the
session cookie would otherwise ride along), without a valid session, or for a room the
member may not join, 429 when the session already has its cap of open room sockets. Then:
subscribe, catch up from the database after ``?after=``, and relay frames both ways until
the client leaves, the session ends (4401) or the member loses the room (4403).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from litestar.stores.base import Store
from litestar.types import ASGIApp, Receive, Scope, Send

from portal.auth.sessions import SESSION_COOKIE, Session, session_alive, session_read
from portal.config import get_settings
from portal.db import reads_together
from portal.domain.errors import NotFound
from portal.domain.rooms.membership import (
    Member,
    RoomInfo,
    member_for_principal,
    member_in_room_now,
    room_for_member,
)
from portal.domain.rooms.messages import (
    SendRefused,
    hidden_ids_up_to,
    message_event_by_id,
    message_events_after,
    message_send,
    recent_message_events,
)
from portal.domain.validation import MAX_ID, row_id_from, whole_number
from portal.i18n import gettext as _
from portal.i18n import reset_locale, scope_locale, set_locale
from portal.realtime.connection import (
    CLOSE_NOT_MEMBER,
    CLOSE_SIGNED_OUT,
    LATE_WINDOW,
    RoomConnection,
)
from portal.realtime.hub import encode_event, get_hub
from portal.scope_headers import cookie_from_scope, header_from_scope

logger = logging.getLogger("onramp.rooms")

# ASCII digits only: "\d" would also take "²" (and int() would then fail).
PATH = re.compile(r"^/ws/rooms/([0-9]{1,12})/?$")
# A close before the handshake completes becomes HTTP 403 for the client (servers
# without the ASGI HTTP-response extension).
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


class Refused(Exception):
    """The handshake is refused with ``status`` (and a short plain-text reason)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


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


def parse_after(query_string: bytes) -> int | None:
    """``?after=<id>``: None when absent; Refused (400) unless a whole number in ASCII."""
    values = parse_qs(query_string.decode("latin-1")).get("after")
    if not values or values[0] == "":
        return None
    after = whole_number(values[0], maximum=MAX_ID)
    if after is None:
        raise Refused(400, "after must be a message id (digits)")
    return after


async def _session(scope: Scope, session_store: Store) -> tuple[int, int | None, Session]:
    """The checks that need no database: path, origin, ``after``, the session."""
    match = PATH.match(scope["path"])
    if match is None:
        raise Refused(400, "no such room address")
    if not origin_allowed(header_from_scope(scope, b"origin"), header_from_scope(scope, b"host")):
        raise Refused(403, "cross-site websocket refused")
    after = parse_after(scope.get("query_string", b""))
    try:
        session = await session_read(session_store, cookie_from_scope(scope, SESSION_COOKIE))
    except Exception as error:  # noqa: BLE001 - Redis restarting: the client retries later
        logger.warning("room handshake: session store unreachable (%s)", error)
        raise Refused(503, "sign-in store unavailable; try again shortly") from None
    if session is None:
        raise Refused(403, "not signed in")
    room_id = row_id_from(match.group(1))
    if room_id is None:
        raise Refused(404, "no such room")
    return room_id, after, session


async def _member_and_room(room_id: int, session: Session) -> tuple[Member, RoomInfo]:
    member = await member_for_principal(session.principal)
    if member is None:
        raise Refused(403, "not signed in")
    try:
        return member, await room_for_member(room_id, member)
    except NotFound:
        raise Refused(403, "not a member of this room") from None


class CatchUp(NamedTuple):
    """What a (re)connecting member gets first, and which messages it holds."""

    frames: list[str]
    delivered: set[int]
    # Messages stored within LATE_WINDOW: their live frames may still be on the way.
    recent: frozenset[int]


def _recent_ids(events: list[dict[str, Any]]) -> frozenset[int]:
    """Ids of the newest events, stored less than LATE_WINDOW ago.

    Oldest first, and a room's sends are serialised (its lock), so times rise with ids:
    the walk from the newest end stops at the first older one.
    """
    cutoff = datetime.now(UTC) - timedelta(seconds=LATE_WINDOW)
    recent: list[int] = []
    for event in reversed(events):
        if datetime.fromisoformat(event["created_at"]) < cutoff:
            break
        recent.append(event["id"])
    return frozenset(recent)


async def _catch_up(room: RoomInfo, member: Member, after: int | None) -> CatchUp:
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
    return CatchUp(frames, {event["id"] for event in events}, _recent_ids(events))


def _decode_frame(raw: str) -> Any:
    """The JSON frame, or None when it is not JSON we read (too long, malformed, too deep)."""
    if len(raw) > MAX_FRAME_CHARS:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: JSON nested hundreds deep, which Python's parser refuses.
        return None


async def _handle_frame(
    send: Send, connection: RoomConnection, session_store: Store, raw: str
) -> None:
    async def reply(event: dict[str, Any]) -> None:
        await send({"type": "websocket.send", "text": encode_event(event)})

    frame = _decode_frame(raw)
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
    # Signed out or expired since the socket opened: a missed revocation changes nothing.
    if connection.session_key is not None and not await session_alive(
        session_store, connection.session_key
    ):
        await reply(
            SendRefused("signed_out", _("Your session has ended. Sign in again.")).event(client_id)
        )
        connection.close_soon(CLOSE_SIGNED_OUT, "signed out")
        return
    try:
        result = await message_send(
            room_id=connection.room_id,
            author=connection.member,
            client_id=frame.get("client_id"),
            kind=frame.get("kind", "chat"),
            body=frame.get("body"),
            reply_to=frame.get("reply_to"),
            private=frame.get("private") is True,
            category_id=frame.get("category"),
        )
    except SendRefused as refused:
        await reply(refused.event(client_id))
        if refused.code == "forbidden":
            connection.close_soon(CLOSE_NOT_MEMBER, "not a member")
        return
    await reply({"type": "ack", "client_id": client_id, "id": result.id})


async def membership_recheck(connection: RoomConnection) -> None:
    """After a revocation naming this member: close, or carry on with what they are now."""
    if connection.closed:
        return
    async with reads_together():
        current = await member_in_room_now(connection.member, connection.room_id)
    if current is None:
        connection.close_soon(CLOSE_NOT_MEMBER, "not a member")
    else:
        # Role or department may have changed which private threads they see.
        connection.member = current


async def _refuse(scope: Scope, send: Send, refused: Refused) -> None:
    if "websocket.http.response" in scope.get("extensions", {}):
        body = refused.reason.encode()
        await send(
            {
                "type": "websocket.http.response.start",
                "status": refused.status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": CLOSE_FORBIDDEN})


async def room_socket(scope: Scope, receive: Receive, send: Send, *, session_store: Store) -> None:
    # One coroutine for the whole life of the socket (each frame kept costs memory × members).
    locale_token = set_locale(scope_locale(scope))
    try:
        if (await receive())["type"] != "websocket.connect":
            return
        hub = get_hub()
        hub.membership_check = membership_recheck
        await hub.ready()
        try:
            room_id, after, session = await _session(scope, session_store)
            # Every database read of the handshake on one connection (it matters when a
            # whole cohort reconnects at once).
            async with reads_together():
                member, room = await _member_and_room(room_id, session)
                connection = RoomConnection(
                    send,
                    member=member,
                    session_key=session.key,
                    expires_at=session.expires_at,
                )
                connection.handler_task = asyncio.current_task()
                # Subscribe first, then read the database: whatever is published during the
                # catch-up waits in the connection's queue and is sent after it, minus what
                # the catch-up sent.
                if not hub.subscribe(
                    room.id, connection, max_per_session=get_settings().room_sockets_per_session
                ):
                    raise Refused(429, "too many open room sockets for this session")
                try:
                    catch_up = await _catch_up(room, member, after)
                except BaseException:
                    hub.unsubscribe(room.id, connection)
                    raise
        except Refused as refused:
            await _refuse(scope, send, refused)
            return
        del session, member, room
        try:
            await send({"type": "websocket.accept"})
            for text in catch_up.frames:
                await send({"type": "websocket.send", "text": text})
            await connection.finish_catch_up(catch_up.delivered, catch_up.recent)
            del catch_up  # not kept for the life of the socket
            while not connection.closed:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("text")
                if raw is None:
                    raw = (message.get("bytes") or b"").decode("utf-8", "replace")
                try:
                    await _handle_frame(send, connection, session_store, raw)
                except Exception:
                    logger.exception("room %s: frame failed", connection.room_id)
                    await send(
                        {
                            "type": "websocket.send",
                            "text": encode_event(
                                {"type": "error", "code": "server_error", "detail": "Try again."}
                            ),
                        }
                    )
            # Closed by the server (revoked, expired, resync): the close frame goes out first.
            await connection.closing()
        except asyncio.CancelledError:
            if not connection.aborted:
                raise
            # Dropped as too slow: end quietly; the client resumes with ?after= when it can.
        except OSError:
            pass  # the client vanished mid-send
        finally:
            connection.closed = True
            hub.unsubscribe(connection.room_id, connection)
    finally:
        reset_locale(locale_token)
