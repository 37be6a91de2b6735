"""Fan-out of room events to every connected member.

Without ``ONRAMP_REDIS_URL`` one process holds every connection and delivers in memory.
With it, every worker publishes to Redis and delivers what its one subscription receives
to its own connections, so members on any worker or host meet in the same room.

Redis pub/sub keeps nothing: if the subscription drops (Redis restarted), events published
meanwhile never reach this worker. The messages are in the database, so when the
subscription is back every connection that was open before is closed with 1012 and its
client resumes with ``?after=`` (no loss, no duplicate).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from portal.config import get_settings
from portal.realtime.connection import CLOSE_RESYNC, RoomConnection

logger = logging.getLogger("onramp.rooms")


def _channel_prefix() -> str:
    """Room channels of this installation (pub/sub ignores Redis database numbers)."""
    return f"{get_settings().redis_namespace}:room:"


def encode_event(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


class LocalHub:
    """Connections of this process, by room."""

    def __init__(self) -> None:
        self.rooms: dict[int, set[RoomConnection]] = {}
        # Bumped each time the fan-out link is (re)established; see RedisHub.
        self.generation = 1

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ready(self, timeout: float = 2.0) -> None:  # noqa: ASYNC109
        return None

    def subscribe(self, room_id: int, connection: RoomConnection) -> None:
        connection.generation = self.generation
        self.rooms.setdefault(room_id, set()).add(connection)

    def unsubscribe(self, room_id: int, connection: RoomConnection) -> None:
        members = self.rooms.get(room_id)
        if members is not None:
            members.discard(connection)
            if not members:
                del self.rooms[room_id]

    def member_count(self, room_id: int) -> int:
        return len(self.rooms.get(room_id, ()))

    async def publish(
        self, room_id: int, event: dict[str, Any], *, private_to: int | None = None
    ) -> None:
        """Send ``event`` to the room's members (private ones to their asker and staff)."""
        self.deliver(room_id, encode_event(event), _message_id(event), private_to)

    def deliver(
        self, room_id: int, text: str, message_id: int | None, private_to: int | None
    ) -> None:
        # One encoded frame shared by every connection; a copy of the set, because a
        # delivery can close (and unsubscribe) a connection that cannot keep up.
        message = {"type": "websocket.send", "text": text}
        for connection in tuple(self.rooms.get(room_id, ())):
            connection.offer(message, text, message_id, private_to)


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
        self, room_id: int, event: dict[str, Any], *, private_to: int | None = None
    ) -> None:
        text = encode_event(event)
        payload = json.dumps({"r": room_id, "i": _message_id(event), "p": private_to, "t": text})
        try:
            await self.redis.publish(f"{_channel_prefix()}{room_id}", payload)
        except Exception:  # noqa: BLE001 - Redis is down: stored messages are caught up later
            logger.warning("room %s: Redis publish failed; delivering locally only", room_id)
            self.deliver(room_id, text, _message_id(event), private_to)

    async def _listen(self) -> None:
        backoff = 0.2
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(f"{_channel_prefix()}*")
                self._on_subscribed()
                backoff = 0.2
                async for message in pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    self._deliver_payload(message["data"])
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
            self.deliver(int(payload["r"]), payload["t"], payload["i"], payload["p"])
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
