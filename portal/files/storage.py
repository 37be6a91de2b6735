"""The storage backend for uploaded files (a local directory by default).

Files are addressed by keys the application generates (``new_key``), never by a name a
user typed, so no upload can choose where it lands. Writes go to a temporary file that
is renamed into place once complete, so a reader never sees half a file.

Features use the :class:`Storage` protocol; :func:`get_storage` returns the configured
backend (``LocalStorage`` under ``ONRAMP_MEDIA_DIR``). A cloud backend would implement
the same methods.
"""

from __future__ import annotations

import os
import re
import secrets
import uuid
from collections.abc import AsyncIterable, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Protocol

import anyio

from portal.config import get_settings

# Generated keys look like ``checklist/2026/11/3f9c…``: lowercase words, digits, slashes.
_KEY = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*$")
_COPY_CHUNK = 256 * 1024


class StorageError(Exception):
    """A storage operation could not be done as asked."""


class FileTooLarge(StorageError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"file is larger than {limit} bytes")
        self.limit = limit


class OffsetMismatch(StorageError):
    """A resumable append did not start where the stored part ends."""

    def __init__(self, expected: int) -> None:
        super().__init__(f"upload continues at byte {expected}")
        self.expected = expected


class Storage(Protocol):
    async def save(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> int: ...

    async def append(self, key: str, data: bytes, *, offset: int, max_bytes: int) -> int: ...

    async def size(self, key: str) -> int | None: ...

    async def delete(self, key: str) -> None: ...

    async def read_head(self, key: str, length: int) -> bytes: ...

    def local_path(self, key: str) -> Path: ...


def new_key(area: str) -> str:
    """A fresh, unguessable key under ``area`` (e.g. ``"checklist"``), sharded by month."""
    if not _KEY.match(area):
        raise ValueError(f"invalid storage area {area!r}")
    now = datetime.now(UTC)
    return f"{area}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{secrets.token_hex(4)}"


def check_key(key: str) -> str:
    """Refuse anything that is not a generated key: no ``..``, no absolute paths."""
    if not _KEY.match(key) or len(key) > 200:
        raise StorageError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """Files under one directory; keys map to relative paths."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def local_path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _partial_path(self, key: str) -> Path:
        return self.local_path(key).with_name(self.local_path(key).name + ".part")

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> int:
        """Stream ``chunks`` into ``key``; over ``max_bytes`` nothing is kept."""
        final = self.local_path(key)
        await anyio.Path(final.parent).mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(f".{final.name}.{secrets.token_hex(4)}.tmp")
        written = 0
        try:
            async with await anyio.open_file(temporary, "wb") as handle:
                async for chunk in chunks:
                    written += len(chunk)
                    if written > max_bytes:
                        raise FileTooLarge(max_bytes)
                    await handle.write(chunk)
            await anyio.Path(temporary).rename(final)
        except BaseException:
            await anyio.Path(temporary).unlink(missing_ok=True)
            raise
        return written

    async def append(self, key: str, data: bytes, *, offset: int, max_bytes: int) -> int:
        """Append ``data`` to a resumable upload that must currently be ``offset`` bytes long.

        Returns the new length. The caller serialises appends to one key (one row lock or
        one upload session at a time); the offset check catches a retried chunk.
        """
        path = self.local_path(key)
        await anyio.Path(path.parent).mkdir(parents=True, exist_ok=True)
        current = (await anyio.Path(path).stat()).st_size if await anyio.Path(path).exists() else 0
        if offset != current:
            raise OffsetMismatch(current)
        if current + len(data) > max_bytes:
            raise FileTooLarge(max_bytes)
        async with await anyio.open_file(path, "ab") as handle:
            await handle.write(data)
        return current + len(data)

    async def size(self, key: str) -> int | None:
        path = anyio.Path(self.local_path(key))
        try:
            return (await path.stat()).st_size
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        await anyio.Path(self.local_path(key)).unlink(missing_ok=True)

    async def read_head(self, key: str, length: int) -> bytes:
        async with await anyio.open_file(self.local_path(key), "rb") as handle:
            return await handle.read(length)

    def iter_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` inclusive, in chunks (for Range responses)."""
        with open(self.local_path(key), "rb") as handle:
            handle.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = handle.read(min(_COPY_CHUNK, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk


@cache
def _local_storage(root: str) -> LocalStorage:
    os.makedirs(root, exist_ok=True)
    return LocalStorage(Path(root))


def get_storage() -> LocalStorage:
    """The configured backend; follows ``get_settings()`` (tests clear its cache)."""
    return _local_storage(str(get_settings().media_dir))
