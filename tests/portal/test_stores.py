"""The file store reads and writes the files Litestar's FileStore would (same names)."""

from __future__ import annotations

import os

import pytest
from litestar.stores.file import FileStore

from portal.auth.stores import LocalFileStore

pytestmark = pytest.mark.one_database


def test_the_file_for_a_key_is_the_one_litestar_names(tmp_path):
    store = LocalFileStore(tmp_path)
    # The last key is longer than the names remembered (stores._REMEMBERED_KEY_MAX).
    for key in ("a" * 64, "revoked-candidate-7", "流程", "../escape", "k" * 500):
        assert store._file_of(key) == os.fspath(store._path_from_key(key))
        assert store._file_of(key) == os.fspath(store._path_from_key(key))  # remembered
        assert os.path.dirname(store._file_of(key)) == os.fspath(tmp_path)


async def test_what_one_writes_the_other_reads(tmp_path):
    ours, theirs = LocalFileStore(tmp_path), FileStore(tmp_path)
    await ours.set("session-1", b"payload", expires_in=60)
    assert await theirs.get("session-1") == b"payload"
    await theirs.set("session-2", b"other", expires_in=60)
    assert await ours.get("session-2") == b"other"
    await ours.delete("session-2")
    assert await theirs.get("session-2") is None
    assert await ours.get("never-set") is None


async def test_an_expired_entry_reads_as_absent_and_is_removed(tmp_path):
    store = LocalFileStore(tmp_path)
    await store.set("old", b"x", expires_in=-1)
    assert await store.get("old") is None
    assert not os.path.exists(store._file_of("old"))


async def test_entries_of_any_size_read_whole(tmp_path):
    """One read takes a session; an entry of exactly one read's size, or larger, still
    comes back whole."""
    from portal.auth import stores

    store, theirs = LocalFileStore(tmp_path), FileStore(tmp_path)
    for size in (0, 1, 300, stores._READ_AT_ONCE - 40, stores._READ_AT_ONCE * 2 + 7):
        value = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        await theirs.set(f"entry-{size}", value, expires_in=60)
        assert await store.get(f"entry-{size}") == value, size
