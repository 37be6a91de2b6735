"""An idle relay sends a newly queued message at once, not after its poll interval.

The poll here is 30 s: a message sent within a few seconds was woken for. "Another process"
queues it: the relay does not hear this process's after-commit wake-up, only what another
worker would make it hear (NOTIFY on PostgreSQL, SQLite's data_version).

The message is queued once the relay is idle with its ears open (LISTEN done on PostgreSQL,
the first data_version read on SQLite), not after a fixed sleep: on a loaded machine the
relay's first round could outlast the sleep, the NOTIFY then came before the LISTEN, and
the test failed ("postgres-another process") for want of a wake-up nobody could hear.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from portal.db import current_engine
from portal.domain.messaging import relay as relay_module
from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.messaging.wakeup import outbox_waiter_drop
from tests.factories import make_candidate
from tests.messaging.helpers import email_to

POLL_SECONDS = 30.0


def idle_and_listening(relay: relay_module.Relay) -> asyncio.Event:
    """Set once ``relay`` waits for work and would hear another process queue a message."""
    from piccolo.engine.sqlite import SQLiteEngine

    ready = asyncio.Event()
    if isinstance(current_engine(), SQLiteEngine):
        owner, name = relay.records, "data_version"  # the version it compares against
    else:
        owner, name = relay, "_listen"  # LISTEN on its own connection
    original = getattr(owner, name)

    async def then_ready():  # type: ignore[no-untyped-def]
        result = await original()
        ready.set()
        return result

    setattr(owner, name, then_ready)
    return ready


def entering_wait(relay: relay_module.Relay) -> asyncio.Event:
    """Set each time ``relay`` starts waiting for work (its round done, SMTP let go)."""
    entered = asyncio.Event()
    original = relay.wait_for_work

    async def marked(interval: float) -> None:
        entered.set()
        await original(interval)

    relay.wait_for_work = marked  # type: ignore[method-assign]
    return entered


@pytest.mark.parametrize("queued_by", ["this process", "another process"])
async def test_an_idle_relay_wakes_when_a_message_is_queued(channels, queued_by):
    smtp, _http = channels
    candidate = await make_candidate(email="sun.qi@example.com")
    relay = relay_module.Relay(worker="idle")
    if queued_by == "another process":
        outbox_waiter_drop(relay.wake)
    ready = idle_and_listening(relay)
    idle_again = entering_wait(relay)
    task = asyncio.create_task(relay_module._relay_forever(relay, POLL_SECONDS))
    try:
        # The relay found nothing and went idle. (A relay that never listens is not waited
        # for past 10 s: the message is queued and the assertion below says what failed.)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 10)
        idle_again.clear()  # set again once the round that sends the message is over
        key = "wake:" + queued_by.replace(" ", "-")
        await message_enqueue(message=email_to(candidate, key=key))
        started = time.monotonic()
        while not smtp.counts() and time.monotonic() - started < 10:
            await asyncio.sleep(0.02)
        assert len(smtp.counts()) == 1, "the relay slept out its poll"
        # Stop it idle again, as a shutdown usually finds it. Cancelled in the middle of
        # recording the send or its SMTP QUIT, Python 3.11's asyncio.wait_for (which
        # aiosmtplib awaits every reply with) loses the cancellation when the reply lands
        # in the same instant (CPython gh-86296, fixed in 3.12): the relay then ran on
        # through its 30 s poll and the wait below failed (the "hang" seen on this test).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(idle_again.wait(), 10)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            # Stopping is bounded (Relay.close): a relay that cannot stop fails here.
            await asyncio.wait_for(task, 30)
