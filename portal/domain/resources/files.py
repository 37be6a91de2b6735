"""Files attached to resources: checked by content, capped in size, stored under generated keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from portal.config import get_settings
from portal.domain.errors import ValidationFailed
from portal.files.kinds import SNIFF_BYTES, FileKind, kinds_of_family, sniff
from portal.files.storage import FileTooLarge, get_storage, new_key
from portal.i18n import gettext as _

# What every phone can open: PDF and the common web image formats (not HEIC).
RESOURCE_FILE_KINDS = tuple(k for k in kinds_of_family("photo", "pdf") if k.code != "heic")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass(frozen=True)
class StoredFile:
    key: str
    kind: FileKind
    size: int
    name: str


def resource_max_bytes() -> int:
    return get_settings().resource_max_bytes


def file_size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def display_file_name(raw: str | None, kind: FileKind) -> str:
    """A name to show and offer when downloading; never used as a path.

    Keeps only the last path component, drops control and reserved characters,
    and ends it with the extension of what the file really is.
    """
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" ._")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem[:120] or "file"
    return stem + kind.extension


async def _with_head(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


async def resource_file_store(
    chunks: AsyncIterable[bytes], *, filename: str | None, field: str = "file"
) -> StoredFile:
    """Store an uploaded file; ValidationFailed (nothing kept) when it is not acceptable."""
    iterator = aiter(chunks)
    head = b""
    # Gather enough of the head to sniff, however the upload was chunked.
    async for chunk in iterator:
        head += chunk
        if len(head) >= SNIFF_BYTES:
            break
    if not head:
        raise ValidationFailed({field: _("Please choose a file.")})
    kind = sniff(head[:SNIFF_BYTES])
    if kind not in RESOURCE_FILE_KINDS:
        raise ValidationFailed(
            {field: _("Only PDF files and JPEG, PNG or WebP pictures can be published.")}
        )
    limit = resource_max_bytes()
    key = new_key("resources")
    try:
        size = await get_storage().save(key, _with_head(head, iterator), max_bytes=limit)
    except FileTooLarge:
        raise ValidationFailed(
            {field: _("The file is larger than %(size)s MB.", size=limit // (1024 * 1024))}
        ) from None
    return StoredFile(key=key, kind=kind, size=size, name=display_file_name(filename, kind))


async def resource_file_delete(key: str | None) -> None:
    if key:
        await get_storage().delete(key)
