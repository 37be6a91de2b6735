"""Fan-out of room events to every connected member, and revocations of their sockets.

Without ``ONRAMP_REDIS_URL`` one process holds every connection and delivers in memory.
With it, every worker publishes to Redis and delivers what its one subscription receives
to its own connections, so members on any worker or host meet in the same room.

Redis pub/sub keeps nothing: if the subscription drops (Redis restarted), events published
meanwhile never reach this worker. The messages are in the database, so when the
subscription is back every connection that was open before is closed with 1012 and its
client resumes with ``?after=`` (no loss, no duplicate).

Revocations travel the same way (:meth:`LocalHub.revoke`, published after the change is
committed): a signed-out session's sockets close with 4401, an archived room's with 4403,
and the sockets of a candidate or staff member whose rights changed re-check their
membership (closing with 4403 if it ended). One timer per process closes sockets whose
session expires (4401). A revocation lost with Redis is covered twice over: every send
re-checks membership and session, and the 1012 resync makes every client hand-shake again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from portal.config import get_settings
from portal.realtime.connection import (
    CLOSE_NOT_MEMBER,
    CLOSE_RESYNC,
    CLOSE_SIGNED_OUT,
    RoomConnection,
)

logger = logging.getLogger("onramp.rooms")

RevocationKind = Literal["session", "room", "candidate", "staff"]
REVOCATION_KINDS = ("session", "room", "candidate", "staff")
CONTROL_CHANNEL = "control"


def _channel_prefix() -> str:
    """Room channels of this installation (pub/sub ignores Redis database numbers)."""
    return f"{get_settings().redis_namespace}:room:"


def encode_event(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


class LocalHub:
    """Connections of this process, by room."""

    def __init__(self) -> None:
        self.rooms: dict[int, set[RoomConnection]] = {}
        # Open sockets per session key, for the per-session cap.
        self.session_sockets: dict[str, int] = {}
        # Bumped each time the fan-out link is (re)established; see RedisHub.
        self.generation = 1
        # Set by the room socket: re-checks one connection's membership in the database.
        self.membership_check: Callable[[RoomConnection], Awaitable[None]] | None = None
        self._expiry_timer: asyncio.TimerHandle | None = None
        self._next_expiry = float("inf")
        # Re-checks in flight (the loop keeps only weak references to tasks).
        self._checks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        if self._expiry_timer is not None:
            self._expiry_timer.cancel()
            self._expiry_timer = None
        self._next_expiry = float("inf")

    async def ready(self, timeout: float = 2.0) -> None:  # noqa: ASYNC109
        return None

    def subscribe(
        self, room_id: int, connection: RoomConnection, *, max_per_session: int = 0
    ) -> bool:
        """Add ``connection`` to the room; False (and nothing added) over the session's cap."""
        key = connection.session_key
        if key is not None:
            count = self.session_sockets.get(key, 0)
            if max_per_session and count >= max_per_session:
                return False
            self.session_sockets[key] = count + 1
        connection.generation = self.generation
        connection.room_id = room_id
        self.rooms.setdefault(room_id, set()).add(connection)
        if connection.expires_at < self._next_expiry:
            self._schedule_expiry(connection.expires_at)
        return True

    def unsubscribe(self, room_id: int, connection: RoomConnection) -> None:
        members = self.rooms.get(room_id)
        if members is None or connection not in members:
            return
        members.discard(connection)
        if not members:
            del self.rooms[room_id]
        key = connection.session_key
        if key is not None:
            count = self.session_sockets.get(key, 0) - 1
            if count > 0:
                self.session_sockets[key] = count
            else:
                self.session_sockets.pop(key, None)

    def member_count(self, room_id: int) -> int:
        return len(self.rooms.get(room_id, ()))

    def connections(self) -> list[RoomConnection]:
        return [connection for members in self.rooms.values() for connection in members]

    async def publish(
        self,
        room_id: int,
        event: dict[str, Any],
        *,
        private_to: int | None = None,
        manager_department: int | None = None,
    ) -> None:
        """Send ``event`` to the room's members.

        A private one (``private_to``: the asker) goes to the asker, HR and admins, and to
        managers of ``manager_department`` when the question is routed to managers.
        """
        self.deliver(
            room_id, encode_event(event), _message_id(event), private_to, manager_department
        )

    def deliver(
        self,
        room_id: int,
        text: str,
        message_id: int | None,
        private_to: int | None,
        manager_department: int | None = None,
    ) -> None:
        # One encoded frame shared by every connection; a copy of the set, because a
        # delivery can close (and unsubscribe) a connection that cannot keep up.
        message = {"type": "websocket.send", "text": text}
        for connection in tuple(self.rooms.get(room_id, ())):
            connection.offer(message, text, message_id, private_to, manager_department)

    # revocations ----------------------------------------------------------------------------

    async def revoke(self, *, kind: RevocationKind, target: int | str) -> None:
        """Tell every worker's sockets that access changed (call after the change commits)."""
        self.apply_revocation(kind, target)

    def apply_revocation(self, kind: str, target: int | str) -> None:
        if kind == "session":
            for connection in self.connections():
                if connection.session_key == target:
                    connection.close_soon(CLOSE_SIGNED_OUT, "signed out")
        elif kind == "room":
            for connection in tuple(self.rooms.get(int(target), ())):
                connection.close_soon(CLOSE_NOT_MEMBER, "room closed")
        elif kind in ("candidate", "staff"):
            for connection in self.connections():
                member = connection.member
                if member is not None and member.kind == kind and member.id == int(target):
                    self._recheck(connection)
        else:
            logger.warning("room hub: ignored a revocation of kind %r", kind)

    def _recheck(self, connection: RoomConnection) -> None:
        check = self.membership_check
        if check is None:
            connection.close_soon(CLOSE_NOT_MEMBER, "access changed")
            return

        async def run() -> None:
            try:
                await check(connection)
            except Exception:
                logger.exception("room membership re-check failed; closing the socket")
                connection.close_soon(CLOSE_NOT_MEMBER, "access changed")

        task = asyncio.get_running_loop().create_task(run())
        self._checks.add(task)
        task.add_done_callback(self._checks.discard)

    # session expiry -------------------------------------------------------------------------

    def _schedule_expiry(self, at: float) -> None:
        if self._expiry_timer is not None:
            self._expiry_timer.cancel()
        self._next_expiry = at
        delay = max(0.0, at - time.time())
        self._expiry_timer = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        """Close the sockets whose session has expired; wait for the next one to."""
        self._expiry_timer = None
        self._next_expiry = float("inf")
        now = time.time()
        upcoming = float("inf")
        for connection in self.connections():
            if connection.expires_at <= now:
                connection.close_soon(CLOSE_SIGNED_OUT, "session expired")
            elif not connection.closed:
                upcoming = min(upcoming, connection.expires_at)
        if upcoming < float("inf"):
            self._schedule_expiry(upcoming)


def _message_id(event: dict[str, Any]) -> int | None:
    return event["id"] if event.get("type") == "message" else None


class RedisHub(LocalHub):
    """Publishes through Redis; one pattern subscription per process delivers locally."""

    def __init__(self, url: str) -> None:
        super().__init__()
        from portal.redis_client import redis_client

        self.url = url
        self.redis = redis_client(url)
        self.generation = 0
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="onramp-room-hub")

    async def stop(self) -> None:
        await super().stop()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        await self.redis.aclose()

    async def ready(self, timeout: float = 2.0) -> None:  # noqa: ASYNC109
        """Wait briefly for the subscription; without it, the client is resynced later."""
        await self.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), timeout)

    async def publish(
        self,
        room_id: int,
        event: dict[str, Any],
        *,
        private_to: int | None = None,
        manager_department: int | None = None,
    ) -> None:
        text = encode_event(event)
        message_id = _message_id(event)
        payload = {"r": room_id, "i": message_id, "p": private_to, "t": text}
        if manager_department is not None:
            payload["m"] = manager_department
        try:
            await self.redis.publish(f"{_channel_prefix()}{room_id}", json.dumps(payload))
        except Exception:  # noqa: BLE001 - Redis is down: stored messages are caught up later
            logger.warning("room %s: Redis publish failed; delivering locally only", room_id)
            self.deliver(room_id, text, message_id, private_to, manager_department)

    async def revoke(self, *, kind: RevocationKind, target: int | str) -> None:
        payload = json.dumps({"c": kind, "t": target})
        try:
            await self.redis.publish(f"{_channel_prefix()}{CONTROL_CHANNEL}", payload)
        except Exception:  # noqa: BLE001 - sends re-check anyway; see the module docstring
            logger.warning("room revocation %s %s: Redis publish failed", kind, target)
            self.apply_revocation(kind, target)

    async def _listen(self) -> None:
        backoff = 0.2
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.psubscribe(f"{_channel_prefix()}*")
                async for message in pubsub.listen():
                    kind = message.get("type")
                    if kind == "pmessage":
                        self._deliver_payload(message["data"])
                    elif kind == "psubscribe":
                        # Redis confirmed the subscription (sending the command is not
                        # enough: on a connection Redis already dropped it "succeeds").
                        self._on_subscribed()
                        backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect whatever went wrong
                logger.warning("room hub: Redis subscription lost; retrying", exc_info=True)
            finally:
                self._subscribed.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    def _on_subscribed(self) -> None:
        previous = self.generation
        self.generation += 1
        self._subscribed.set()
        # Connections from before this subscription may have missed events: resync them.
        for members in tuple(self.rooms.values()):
            for connection in tuple(members):
                if connection.generation <= previous:
                    connection.close_soon(CLOSE_RESYNC, "resync")

    def _deliver_payload(self, data: bytes | str) -> None:
        try:
            payload = json.loads(data)
            if "c" in payload:
                if payload["c"] in REVOCATION_KINDS:
                    self.apply_revocation(payload["c"], payload["t"])
                return
            self.deliver(
                int(payload["r"]), payload["t"], payload["i"], payload["p"], payload.get("m")
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("room hub: ignored a malformed payload")


_hubs: dict[str, LocalHub] = {}


def get_hub() -> LocalHub:
    """This process's hub for the configured fan-out (created on first use)."""
    url = get_settings().redis_url or ""
    hub = _hubs.get(url)
    if hub is None:
        hub = RedisHub(url) if url else LocalHub()
        _hubs[url] = hub
    return hub


async def stop_hubs() -> None:
    for hub in list(_hubs.values()):
        await hub.stop()
    _hubs.clear()
