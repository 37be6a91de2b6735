"""Shut-down stops the relay even when a cancellation is lost, and never hangs."""

from __future__ import annotations

import asyncio

import pytest

from portal.domain.messaging import relay as relay_module

pytestmark = pytest.mark.one_database


async def _swallows_cancellations(
    times: int, stopped: list[str], release: asyncio.Event | None = None
) -> None:
    """A relay round as Python 3.11's wait_for can leave it: the first cancels are lost."""
    lost = 0
    while True:
        try:
            if release is not None and release.is_set():
                return
            await asyncio.sleep(0.05 if release is not None else 3600)
        except asyncio.CancelledError:
            if lost < times:
                lost += 1
                continue
            stopped.append("stopped")
            raise


async def test_the_stop_repeats_a_lost_cancellation():
    stopped: list[str] = []
    task = asyncio.create_task(_swallows_cancellations(2, stopped))
    relay_module._RELAY["task"] = task
    await asyncio.sleep(0)
    await asyncio.wait_for(relay_module.outbox_relay_stop_within(5), timeout=10)
    assert task.done() and stopped == ["stopped"]
    assert "task" not in relay_module._RELAY


async def test_a_relay_that_never_stops_is_left_after_the_timeout(caplog):
    stopped: list[str] = []
    release = asyncio.Event()
    task = asyncio.create_task(_swallows_cancellations(10**6, stopped, release))
    relay_module._RELAY["task"] = task
    await asyncio.sleep(0)
    started = asyncio.get_running_loop().time()
    await relay_module.outbox_relay_stop_within(1.2)
    assert asyncio.get_running_loop().time() - started < 3
    assert "did not stop" in caplog.text
    release.set()  # the test's own clean-up: this fake ignores cancels
    await asyncio.wait_for(task, timeout=5)
