"""Expired sessions and rate-limit counters in the file stores (no Redis) are deleted.

A file store drops an expired entry only when its key is read again, which a browser that
never comes back never does: without the sweeper, ``var/stores/`` grows for ever.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore

from portal.auth.sessions import SESSION_COOKIE, Principal, session_start
from portal.auth.stores import (
    ABANDONED_FILE_SECONDS,
    ExpiredEntrySweeper,
    _unlink_if_unchanged,
    expired_entries_delete,
    store_for,
)
from portal.config import get_settings
from tests.factories import make_candidate
from tests.live_servers import onramp_server

EXPIRED = timedelta(seconds=-1)


def files_in(path: Path) -> set[str]:
    return {entry.name for entry in path.iterdir()}


async def test_a_sweep_deletes_expired_entries_files_and_keeps_live_ones(tmp_path):
    store = FileStore(tmp_path, create_directories=True)
    await store.set("expired", b"gone", expires_in=EXPIRED)
    assert len(files_in(tmp_path)) == 1
    expired_file = files_in(tmp_path)
    await store.set("live", b"stays", expires_in=3600)
    await store.set("forever", b"stays too")

    assert await expired_entries_delete([store]) == 1

    assert len(files_in(tmp_path)) == 2
    assert not expired_file & files_in(tmp_path)
    assert await store.get("live") == b"stays"
    assert await store.get("forever") == b"stays too"


async def test_a_half_written_file_neither_stops_the_sweep_nor_is_deleted_while_fresh(tmp_path):
    """Another worker's temporary file mid-write cannot be decoded: skip it, sweep the rest."""
    store = FileStore(tmp_path, create_directories=True)
    (tmp_path / "0000.tmpabc").write_bytes(b"")
    (tmp_path / "0001.tmpdef").write_bytes(b"\x92\xc0")
    for number in range(5):
        await store.set(f"expired-{number}", b"x", expires_in=EXPIRED)

    assert await expired_entries_delete([store]) == 5

    assert files_in(tmp_path) == {"0000.tmpabc", "0001.tmpdef"}


async def test_a_file_abandoned_mid_write_long_ago_is_deleted(tmp_path):
    store = FileStore(tmp_path, create_directories=True)
    abandoned = tmp_path / "0000.tmpabc"
    abandoned.write_bytes(b"")
    long_ago = time.time() - ABANDONED_FILE_SECONDS - 60
    os.utime(abandoned, (long_ago, long_ago))

    await expired_entries_delete([store])

    assert files_in(tmp_path) == set()


def test_a_file_replaced_after_it_was_read_is_not_deleted(tmp_path):
    """A key written again after it expired (a rate-limit window starting over) is a new file:
    a sweep that read the old one must not delete the new one."""
    entry = tmp_path / "entry"
    entry.write_bytes(b"expired")
    inode_read = entry.stat().st_ino
    fresh = tmp_path / "entry.tmp1"
    fresh.write_bytes(b"fresh")
    os.replace(fresh, entry)  # how FileStore writes

    assert not _unlink_if_unchanged(str(entry), inode_read)
    assert entry.read_bytes() == b"fresh"


async def test_the_sweeper_keeps_sweeping_while_the_process_runs(tmp_path):
    store = FileStore(tmp_path, create_directories=True)
    sweeper = ExpiredEntrySweeper([store], interval=0.05)
    await sweeper.start()
    try:
        # Written after start-up: only the periodic sweep can delete it.
        await store.set("expired", b"gone", expires_in=EXPIRED)
        for _ in range(200):
            if not files_in(tmp_path):
                break
            await asyncio.sleep(0.05)
        assert files_in(tmp_path) == set()
    finally:
        await sweeper.stop()


async def test_the_sweeper_leaves_other_stores_alone():
    """Redis (or memory) forgets expired keys by itself."""
    sweeper = ExpiredEntrySweeper([MemoryStore()])
    assert sweeper.stores == []
    await sweeper.start()
    await sweeper.stop()


async def test_onramp_serve_deletes_expired_sessions_at_start_up_and_keeps_live_ones(
    database_url, tmp_path
):
    candidate = await make_candidate(name="王五")
    settings = replace(get_settings(), var_dir=tmp_path)
    sessions = store_for(settings, "sessions")
    sessions_dir = tmp_path / "stores" / "sessions"
    await sessions.set("an-old-session", b'{"kind": "candidate", "id": 1}', expires_in=EXPIRED)
    expired_file = files_in(sessions_dir)
    token = await session_start(
        sessions,
        settings,
        principal=Principal(kind="candidate", id=candidate.id),
        previous_token=None,
    )
    assert len(files_in(sessions_dir)) == 2

    with onramp_server(database_url, env={"ONRAMP_VAR_DIR": str(tmp_path)}) as url:
        remaining = files_in(sessions_dir)
        async with httpx.AsyncClient(base_url=url, cookies={SESSION_COOKIE: token}) as browser:
            home = await browser.get("/")

    assert not expired_file & remaining
    assert len(remaining) == 1
    assert home.status_code == 200
    assert "王五" in home.text
