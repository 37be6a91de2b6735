"""Import previews kept server-side between "check the file" and "import".

A preview lives in the session store under ``import:{token}`` for 30 minutes. The token
is random and the payload names the staff member who uploaded the file; no one else
can confirm it. Confirming first *takes* the preview out of the store in one atomic
step, so of two clicks on "Import" exactly one goes ahead. A small record then takes
its place, "importing" and then "done", so a repeated submit can say what happened.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from litestar.stores.base import StorageObject, Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore

from portal.domain.candidates.imports.csv_file import ImportFile, ImportRow

PREVIEW_TTL_SECONDS = 30 * 60
# Long enough for the largest import; a crashed worker's marker must not block for long.
IMPORTING_TTL_SECONDS = 10 * 60
_TOKEN_BYTES = 24
_fallback_lock = asyncio.Lock()


@dataclass(frozen=True)
class StoredPreview:
    token: str
    staff_id: int
    filename: str
    file: ImportFile
    # Rows that were valid when the staff member looked at the preview: exactly these
    # are imported, or nothing is.
    chosen: list[int]
    # True when the preview showed no errors at all ("Import all" was offered).
    clean: bool


@dataclass(frozen=True)
class ImportRecord:
    """What became of a confirmed preview: being imported now, or imported."""

    token: str
    staff_id: int
    filename: str
    state: Literal["importing", "done"]
    count: int = 0


def new_preview_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def is_well_formed_token(token: str) -> bool:
    return 20 <= len(token) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in token)


def _key(token: str) -> str:
    return f"import:{token}"


def _preview_payload(preview: StoredPreview) -> bytes:
    return json.dumps(
        {
            "state": "preview",
            "staff_id": preview.staff_id,
            "filename": preview.filename,
            "columns": preview.file.columns,
            "ignored_columns": preview.file.ignored_columns,
            "encoding": preview.file.encoding,
            "rows": [[row.number, row.values] for row in preview.file.rows],
            "chosen": preview.chosen,
            "clean": preview.clean,
        },
        ensure_ascii=False,
    ).encode()


def _decode(token: str, raw: bytes | None) -> StoredPreview | ImportRecord | None:
    if raw is None:
        return None
    try:
        data: dict[str, Any] = json.loads(raw)
        if data["state"] in ("importing", "done"):
            return ImportRecord(
                token=token,
                staff_id=int(data["staff_id"]),
                filename=str(data["filename"]),
                state=data["state"],
                count=int(data["count"]),
            )
        return StoredPreview(
            token=token,
            staff_id=int(data["staff_id"]),
            filename=str(data["filename"]),
            file=ImportFile(
                rows=[ImportRow(number=int(n), values=dict(v)) for n, v in data["rows"]],
                columns=list(data["columns"]),
                ignored_columns=list(data["ignored_columns"]),
                encoding=str(data["encoding"]),
            ),
            chosen=[int(number) for number in data["chosen"]],
            clean=bool(data["clean"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


async def preview_save(store: Store, preview: StoredPreview) -> None:
    await store.set(_key(preview.token), _preview_payload(preview), expires_in=PREVIEW_TTL_SECONDS)


async def preview_record(store: Store, record: ImportRecord) -> None:
    payload = {
        "state": record.state,
        "staff_id": record.staff_id,
        "filename": record.filename,
        "count": record.count,
    }
    ttl = IMPORTING_TTL_SECONDS if record.state == "importing" else PREVIEW_TTL_SECONDS
    await store.set(_key(record.token), json.dumps(payload).encode(), expires_in=ttl)


async def preview_load(
    store: Store, *, token: str, staff_id: int
) -> StoredPreview | ImportRecord | None:
    """The staff member's preview or its record; None when missing, expired or someone else's."""
    if not is_well_formed_token(token):
        return None
    found = _decode(token, await store.get(_key(token)))
    if found is None or found.staff_id != staff_id:
        return None
    return found


async def preview_take(
    store: Store, *, token: str, staff_id: int
) -> StoredPreview | ImportRecord | None:
    """Remove and return the staff member's preview; of concurrent callers only one gets it.

    Someone else's preview is left where it is (checked before taking it).
    """
    if await preview_load(store, token=token, staff_id=staff_id) is None:
        return None
    found = _decode(token, await _store_take(store, _key(token)))
    if found is not None and found.staff_id != staff_id:
        return None
    return found


async def _store_take(store: Store, key: str) -> bytes | None:
    """Get and delete ``key`` in one atomic step.

    Litestar's Store has no such operation, so each backend's own atomic primitive is
    used: Redis GETDEL, and for the file store a rename (atomic on every POSIX file
    system, also between the processes of ``onramp serve --workers N``).
    """
    if isinstance(store, RedisStore):
        return await store._redis.getdel(store._make_key(key))  # noqa: SLF001
    if isinstance(store, FileStore):
        path = store._path_from_key(key)  # noqa: SLF001
        claimed = path.with_name(f"{path.name}.taken-{secrets.token_hex(8)}")
        try:
            await asyncio.to_thread(os.rename, path, claimed)
        except FileNotFoundError:
            return None
        try:
            stored = StorageObject.from_bytes(await claimed.read_bytes())
        finally:
            await claimed.unlink(missing_ok=True)
        return None if stored.expired else stored.data
    # Other stores (memory, in tests): atomic within this process.
    async with _fallback_lock:
        value = await store.get(key)
        await store.delete(key)
        return value
