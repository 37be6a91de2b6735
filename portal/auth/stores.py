"""Key-value stores for sessions and rate limits.

With ``ONRAMP_REDIS_URL`` they live in Redis, shared by every worker and host. Without
it they are files under ``var/`` so that ``onramp serve --workers N`` on one machine
still shares them (an in-memory store would sign people out when they hit another
worker).

Redis forgets expired keys by itself; a file store only drops an expired entry when that
key is read again, which a signed-out browser never does. :class:`ExpiredEntrySweeper`
deletes them at start-up and then periodically in every process.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import logging
import os
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import anyio
from litestar.stores.base import StorageObject, Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore

from portal.config import Settings
from portal.redis_client import redis_client

logger = logging.getLogger("onramp.stores")

# Entries live for minutes (rate limits) to weeks (sessions): a few sweeps an hour keep the
# directory near its live size. Each worker sweeps; deleting a file twice is harmless.
SWEEP_INTERVAL_SECONDS = 15 * 60
# A file that is no entry and has not changed for this long was abandoned mid-write.
ABANDONED_FILE_SECONDS = 3600

_redis_stores: dict[tuple[str, str], RedisStore] = {}
# Sessions are a few hundred bytes: one read takes the whole entry.
_READ_AT_ONCE = 64 * 1024


class LocalFileStore(FileStore):
    """Litestar's file store, reading without a worker thread.

    Every request and room handshake reads its session: a file of a hundred bytes under
    ``var/``, in the page cache. Reading it directly takes microseconds; handing the read
    to a thread and back cost more than that, and under a reconnecting crowd each hand-off
    waited for the interpreter lock. Writes and deletes (sign-in, sign-out, rate-limit
    counters) are as small and nothing fsyncs them, so they run directly too: a sign-in
    used to hand off three times (a ``mkdir`` of the store's directory, the write, the
    old session's unlink), which cost more than its database work.
    """

    def __init__(self, path: Path, *, create_directories: bool = True) -> None:
        super().__init__(path, create_directories=create_directories)
        self._directory = os.fspath(path)

    def _file_of(self, key: str) -> str:
        # The file FileStore._path_from_key names (tests/portal/test_stores.py checks they
        # agree), as a plain string: building anyio's Path cost more than reading the file.
        name = _file_name(key) if len(key) <= _REMEMBERED_KEY_MAX else _digest(key)
        return os.path.join(self._directory, name)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None):
        if isinstance(value, str):
            value = value.encode("utf-8")
        data = StorageObject.new(data=value, expires_in=expires_in).to_bytes()
        target = self._file_of(key)
        try:
            _write_replacing(target, data)
        except FileNotFoundError:
            # The directory went away (a cleaned var dir): make it again, once.
            os.makedirs(os.path.dirname(target), exist_ok=True)
            _write_replacing(target, data)

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._file_of(key))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        if renew_for:
            return await super().get(key, renew_for)
        try:
            # os.open and os.read: no buffered file object for a hundred bytes.
            descriptor = os.open(self._file_of(key), os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            raw = os.read(descriptor, _READ_AT_ONCE)
            while len(raw) % _READ_AT_ONCE == 0 and (more := os.read(descriptor, _READ_AT_ONCE)):
                raw += more  # an entry larger than one read (not a session)
        finally:
            os.close(descriptor)
        storage_obj = StorageObject.from_bytes(raw)
        if storage_obj.expired:
            await self.delete(key)
            return None
        return storage_obj.data


def _digest(key: str) -> str:
    return hashlib.blake2s(key.encode()).hexdigest()


# Remembered for the last few thousand keys: a session's file and its principal's
# revocation mark are looked up on every request. A longer key than a digest with a
# prefix is not remembered, so the memory it takes stays small.
_REMEMBERED_KEY_MAX = 128
_file_name = functools.lru_cache(maxsize=4096)(_digest)


_temporary_names = itertools.count()


def _write_replacing(target: str, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it over ``target``.

    Readers (other workers too) see the old entry or the new one, never half of one. The
    temporary name is this process's own (pid and a counter; ``O_EXCL`` refuses a
    leftover of an earlier process with the same pid): half the cost of ``mkstemp``.
    """
    while True:
        temporary = f"{target}.{os.getpid()}-{next(_temporary_names)}.tmp"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            continue
    try:
        try:
            os.write(descriptor, data)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def store_for(settings: Settings, name: str) -> Store:
    if settings.redis_url:
        identity = (settings.redis_url, settings.redis_namespace)
        root = _redis_stores.get(identity)
        if root is None:
            root = RedisStore(
                redis_client(settings.redis_url),
                namespace=settings.redis_namespace,
                handle_client_shutdown=True,
            )
            _redis_stores[identity] = root
        return root.with_namespace(name)
    path = settings.var_dir / "stores" / name
    path.mkdir(parents=True, exist_ok=True)
    return LocalFileStore(path, create_directories=True)


def _sweep_directory(path: Path) -> int:
    """Delete the expired entries' files under ``path``; returns how many went."""
    deleted = 0
    now = time.time()
    with os.scandir(path) as entries:
        for entry in entries:
            try:
                with open(entry.path, "rb") as handle:
                    status = os.fstat(handle.fileno())
                    raw = handle.read()
            except (FileNotFoundError, IsADirectoryError):
                continue  # another worker swept it meanwhile
            try:
                stored = StorageObject.from_bytes(raw)
            except Exception:
                # Not an entry (yet): another worker's temporary file mid-write, or one a
                # killed process left behind. Leave the first alone; the second goes once old.
                # (FileStore.delete_expired stops at such a file, leaving the rest unswept.)
                if now - status.st_mtime > ABANDONED_FILE_SECONDS:
                    _unlink_if_unchanged(entry.path, status.st_ino)
                continue
            if stored.expired and _unlink_if_unchanged(entry.path, status.st_ino):
                deleted += 1
    return deleted


def _unlink_if_unchanged(file: str, inode: int) -> bool:
    """Unlink ``file`` unless another worker has replaced it since it was read.

    A write replaces the file (a new inode), so a key written again after it expired (a
    rate-limit window starting over) keeps its fresh entry.
    """
    try:
        if os.stat(file).st_ino != inode:
            return False
        os.unlink(file)
    except FileNotFoundError:
        return False
    return True


async def expired_entries_delete(stores: Iterable[Store]) -> int:
    """Delete the expired entries of every file store among ``stores``; returns how many."""
    deleted = 0
    for store in stores:
        if isinstance(store, FileStore):
            # One thread hop per store, not one per file: the sweep reads every entry.
            deleted += await anyio.to_thread.run_sync(_sweep_directory, Path(store.path))
    return deleted


class ExpiredEntrySweeper:
    """Deletes expired file-store entries at start-up, then every ``interval`` seconds.

    ``start`` and ``stop`` are the app's on_startup and on_shutdown hooks.
    """

    def __init__(self, stores: Iterable[Store], *, interval: float = SWEEP_INTERVAL_SECONDS):
        self.stores = [store for store in stores if isinstance(store, FileStore)]
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if not self.stores:
            return
        await expired_entries_delete(self.stores)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._sweep_forever(), name="store-sweeper")

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await expired_entries_delete(self.stores)
            except OSError:
                # A full or unreadable disk must not end the loop (nor serving): retry later.
                logger.warning("sweeping expired store entries failed", exc_info=True)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
