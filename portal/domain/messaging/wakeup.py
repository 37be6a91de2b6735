"""Waking the relays when messages are queued, instead of waiting for their next poll.

A message queued in this process wakes this process's relay once its transaction commits
(:func:`outbox_wake`, an ``after_commit`` hook). On PostgreSQL the queueing transaction also
sends ``NOTIFY onramp_outbox`` (delivered at commit, to every process listening on the
database: other workers, other hosts). On SQLite a relay with nothing to do looks at the
file's ``data_version`` (changes when another connection commits: a few microseconds)
every :data:`SQLITE_LOOK_SECONDS`, and checks for due rows only when it changed.

The timed poll (``ONRAMP_OUTBOX_RELAY_SECONDS``) stays: scheduled messages, retries and
expired leases become due without anyone queueing anything.
"""

from __future__ import annotations

import asyncio

NOTIFY_CHANNEL = "onramp_outbox"
SQLITE_LOOK_SECONDS = 0.05

_waiters: set[asyncio.Event] = set()


def outbox_waiter() -> asyncio.Event:
    """An event set whenever this process queues a message (the relay holds one)."""
    event = asyncio.Event()
    _waiters.add(event)
    return event


def outbox_waiter_drop(event: asyncio.Event) -> None:
    _waiters.discard(event)


async def outbox_wake() -> None:
    for event in list(_waiters):
        event.set()
