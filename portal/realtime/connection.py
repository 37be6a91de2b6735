"""One member's websocket, as the hub sees it: deliver frames without waiting on anyone.

Fan-out to a room walks every connection in one loop, so a delivery must not wait for a
slow reader. The common case, a client keeping up, writes straight to its socket: the
ASGI ``send`` of uvicorn's websockets implementation completes without suspending while
the socket's buffer has room, so the frame is written within the loop, like
``websockets.broadcast``. If ``send`` would wait (the client stopped reading), that
attempt is abandoned before anything is written, and the frame goes to a bounded
per-connection queue drained by its own task. A client whose queue fills up is
disconnected; it resumes from its last message id (``?after=``) when it can.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from collections.abc import Set as AbstractSet
from typing import Any

from portal.domain.access import department_scope

logger = logging.getLogger("onramp.rooms")

# Frames a connection may have waiting before it is judged unable to keep up.
MAX_PENDING = 1000
# A close that cannot be sent in this time is left to the server's keep-alive timeout.
CLOSE_TIMEOUT = 5.0
# How long a message the catch-up read may still arrive through the hub. A message is
# published after its transaction commits, so a catch-up can read it before its frame
# reaches this process (same worker: the sender had not resumed yet; another worker:
# the Redis round trip); normally milliseconds, seconds when a worker is busy.
LATE_WINDOW = 30.0

# Close codes a client can act on.
CLOSE_TOO_SLOW = 4008  # could not keep up: reconnect and resume with ?after=
CLOSE_RESYNC = 1012  # the server lost its fan-out link: reconnect and resume
CLOSE_SIGNED_OUT = 4401  # the session ended (signed out, expired, revoked): sign in again
CLOSE_NOT_MEMBER = 4403  # no longer allowed in this room: do not reconnect

SendFn = Callable[[dict[str, Any]], Awaitable[None]]


class RoomConnection:
    __slots__ = (
        "_send",
        "member",
        "room_id",
        "session_key",
        "expires_at",
        "generation",
        "closed",
        "_pending",
        "_catching_up",
        "_late_ids",
        "_late_until",
        "_drain_task",
        "_close_task",
        "handler_task",
        "aborted",
        "__weakref__",
    )

    def __init__(
        self,
        send: SendFn,
        *,
        member: Any,
        session_key: str | None = None,
        expires_at: float = float("inf"),
    ) -> None:
        self._send = send
        # Who is connected (portal.domain.rooms.membership.Member: kind, id, staff,
        # department_id); replaced when a re-check finds their role or department changed.
        self.member = member
        self.room_id = 0
        self.session_key = session_key
        self.expires_at = expires_at
        self.generation = 0
        self.closed = False
        # None while frames go straight out; a queue while catching up or draining.
        self._pending: deque[tuple[int | None, str]] | None = deque()
        self._catching_up = True
        # Ids the catch-up sent that may still be offered live (None almost always).
        self._late_ids: set[int] | None = None
        self._late_until = 0.0
        self._drain_task: asyncio.Task[None] | None = None
        self._close_task: asyncio.Task[None] | None = None
        # The task serving this socket, cancelled when the client is dropped as too slow.
        self.handler_task: asyncio.Task[Any] | None = None
        self.aborted = False

    def may_see(self, private_to: int | None, manager_department: int | None = None) -> bool:
        """Public frames for all; a private thread for its asker, HR and admins, and the
        managers of ``manager_department`` when it is routed to managers."""
        if private_to is None:
            return True
        member = self.member
        if member.kind == "candidate":
            return member.id == private_to
        scope = department_scope(member.staff)
        if scope is None:
            return True  # HR and admins see every private thread
        return manager_department is not None and scope == manager_department

    def offer(
        self,
        message: dict[str, Any],
        text: str,
        message_id: int | None,
        private_to: int | None,
        manager_department: int | None = None,
    ) -> None:
        """Deliver one frame (called by the hub for every connection of the room).

        ``message`` is the ASGI send event for ``text``, built once per delivery and shared
        by every connection (servers only read it).
        """
        if self.closed or (
            private_to is not None and not self.may_see(private_to, manager_department)
        ):
            return
        if message_id is not None and self._late_ids is not None and self._sent_already(message_id):
            return
        if self._pending is not None:
            self._queue(text, message_id)
            return
        coroutine = self._send(message)
        try:
            coroutine.send(None)
        except StopIteration:
            return  # written
        except Exception:  # noqa: BLE001 - the client is gone; its handler cleans up
            self.closed = True
            return
        # ``send`` is waiting for the socket to drain: nothing was written yet. Give up this
        # attempt and let the drain task send the frame, in order, once the client reads.
        coroutine.close()
        self._pending = deque()
        self._queue(text, message_id)
        self._start_drain()

    def _queue(self, text: str, message_id: int | None) -> None:
        assert self._pending is not None
        if len(self._pending) >= MAX_PENDING:
            self.close_soon(CLOSE_TOO_SLOW, "too slow", abort=True)
            return
        self._pending.append((message_id, text))

    async def finish_catch_up(
        self, delivered_ids: set[int], recent_ids: frozenset[int] = frozenset()
    ) -> None:
        """Send what arrived during the catch-up, skipping what the catch-up already sent.

        ``recent_ids``: the catch-up's messages stored so recently that their frames may
        not have reached this process yet; skipped when they do (for :data:`LATE_WINDOW`).
        """
        arrived: set[int] = set()
        await self._flush(delivered_ids, arrived)
        self._catching_up = False
        late = set(recent_ids - arrived)
        if late and not self.closed:
            self._late_ids = late
            self._late_until = asyncio.get_running_loop().time() + LATE_WINDOW

    def _sent_already(self, message_id: int) -> bool:
        """Whether ``message_id`` is a late frame of a message the catch-up sent."""
        late = self._late_ids
        assert late is not None
        if asyncio.get_running_loop().time() > self._late_until:
            self._late_ids = None
            return False
        if message_id not in late:
            return False
        late.discard(message_id)
        if not late:
            self._late_ids = None
        return True

    def _start_drain(self) -> None:
        if self._drain_task is None and not self._catching_up:
            self._drain_task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            await self._flush(frozenset())
        except Exception:  # noqa: BLE001 - the client is gone
            self.closed = True
        finally:
            self._drain_task = None

    async def _flush(self, skip_ids: AbstractSet[int], skipped: set[int] | None = None) -> None:
        pending = self._pending
        while pending:
            message_id, text = pending.popleft()
            if message_id is not None and message_id in skip_ids:
                if skipped is not None:
                    skipped.add(message_id)
                continue
            await self._send({"type": "websocket.send", "text": text})
        # No await between the last check and this: nothing offered meanwhile is lost.
        if not self.closed:
            self._pending = None

    def close_soon(self, code: int, reason: str, *, abort: bool = False) -> None:
        """Stop delivering and close the socket in the background.

        ``abort`` also ends the task serving the socket: a client that stopped reading
        may never read the close frame either.
        """
        if self.closed:
            return
        self.closed = True
        self._pending = None
        self._close_task = asyncio.get_running_loop().create_task(self._close(code, reason))
        if abort and self.handler_task is not None:
            self.aborted = True
            self.handler_task.cancel()

    async def closing(self) -> None:
        """Wait for a close started by :meth:`close_soon` to be sent.

        The task serving the socket waits here before it returns: once the application
        returns, the server drops the connection without the close code.
        """
        if self._close_task is not None:
            with contextlib.suppress(Exception):
                await self._close_task

    async def _close(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(
                self._send({"type": "websocket.close", "code": code, "reason": reason}),
                CLOSE_TIMEOUT,
            )
        except Exception:  # noqa: BLE001 - already closed, or not reading at all
            logger.debug("room connection close failed", exc_info=True)
