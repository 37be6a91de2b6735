"""RoomConnection on its own: a message the catch-up sent is not sent again when its
frame reaches the hub afterwards (committed before the catch-up read, published after)."""

from __future__ import annotations

import asyncio
import json

from portal.realtime import connection as connection_module
from portal.realtime.connection import RoomConnection


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def __call__(self, message: dict) -> None:
        self.sent.append(message)

    def ids(self) -> list[int]:
        return [json.loads(m["text"])["id"] for m in self.sent if m["type"] == "websocket.send"]


def _offer(connection: RoomConnection, message_id: int) -> None:
    text = json.dumps({"type": "message", "id": message_id})
    connection.offer({"type": "websocket.send", "text": text}, text, message_id, None)


async def test_a_late_frame_of_a_caught_up_message_is_skipped_once():
    send = Recorder()
    connection = RoomConnection(send, member=None)
    await connection.finish_catch_up({1, 2, 3}, frozenset({2, 3}))
    _offer(connection, 3)
    _offer(connection, 4)
    _offer(connection, 2)
    assert send.ids() == [4]
    # Both seen: nothing is kept any more, and any later frame goes out.
    assert connection._late_ids is None
    _offer(connection, 3)
    assert send.ids() == [4, 3]


async def test_a_frame_that_arrived_during_the_catch_up_is_not_kept_as_late():
    send = Recorder()
    connection = RoomConnection(send, member=None)
    _offer(connection, 7)  # queued: the catch-up is still running
    await connection.finish_catch_up({6, 7}, frozenset({6, 7}))
    assert send.ids() == []
    assert connection._late_ids == {6}


async def test_late_ids_are_forgotten_after_the_window(monkeypatch):
    monkeypatch.setattr(connection_module, "LATE_WINDOW", 0.01)
    send = Recorder()
    connection = RoomConnection(send, member=None)
    await connection.finish_catch_up({5}, frozenset({5}))
    await asyncio.sleep(0.05)
    _offer(connection, 5)
    assert send.ids() == [5]
    assert connection._late_ids is None


async def test_nothing_recent_keeps_nothing():
    connection = RoomConnection(Recorder(), member=None)
    await connection.finish_catch_up({1, 2}, frozenset())
    assert connection._late_ids is None


def test_recent_ids_are_the_newest_messages_stored_within_the_window():
    from datetime import UTC, datetime, timedelta

    from portal.web.room_socket import LATE_WINDOW, _recent_ids

    now = datetime.now(UTC)

    def at(seconds_ago: float) -> str:
        moment = (now - timedelta(seconds=seconds_ago)).replace(tzinfo=None)
        return moment.isoformat(timespec="milliseconds") + "Z"

    events = [
        {"id": 1, "created_at": at(LATE_WINDOW * 10)},
        {"id": 2, "created_at": at(LATE_WINDOW + 1)},
        {"id": 3, "created_at": at(LATE_WINDOW / 2)},
        {"id": 4, "created_at": at(0)},
    ]
    assert _recent_ids(events) == {3, 4}
    assert _recent_ids(events[:2]) == frozenset()
    assert _recent_ids([]) == frozenset()
