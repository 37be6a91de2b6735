"""Receiving uploaded files from HTML forms: streamed to storage, checked by content.

Litestar parses ``multipart/form-data`` as a stream (python-multipart's push parser) into
``UploadFile`` objects spooled to a temporary file once past 1 MB — the CSRF check reads
the form before any handler runs, so that parse is the one every upload goes through.
Give upload routes a ``request_max_body_size`` (:func:`request_body_limit`) so a huge
request is cut off while it arrives. This module then copies each file into storage
chunk by chunk (never whole in memory), enforcing the per-file cap, and judges what it
is from its first bytes (:mod:`portal.files.kinds`), never from its name or the
browser's Content-Type. Photos can be re-encoded (:mod:`portal.files.images`), which
also drops EXIF metadata such as GPS location.

Typical use in a handler::

    form = await request.form()
    try:
        stored = await store_uploads(
            uploaded_files(form, "files"), area="resources", families=("pdf",),
            max_bytes=settings.resource_max_bytes,
        )
    except UploadRefused as refused:
        ...  # str(refused) is a message for the user; nothing was kept

Every :class:`StoredUpload` names a generated storage key; the uploader's file name is
only kept (sanitised by :func:`display_name`) to show and to offer on download.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import UploadFile

from portal.files import kinds
from portal.files.images import ImageRefused, photo_reencode
from portal.files.storage import FileTooLarge, get_storage, new_key
from portal.i18n import gettext as _

CHUNK_BYTES = 256 * 1024
_NAME_MAX = 100
# Control characters, path separators and characters Windows refuses in names.
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


class UploadRefused(Exception):
    """The upload was refused; ``str()`` is a message for the user. Nothing was stored."""

    def __init__(self, message: str, *, code: str, filename: str = "") -> None:
        super().__init__(message)
        self.code = code  # "too_large" | "wrong_kind" | "empty" | "unreadable" | "too_many"
        self.filename = filename


@dataclass(frozen=True, slots=True)
class StoredUpload:
    key: str
    kind: kinds.FileKind
    size: int
    name: str  # the uploader's name, sanitised, with the extension of what it really is
    thumb_key: str = ""  # a small JPEG preview (photos re-encoded with thumbnails only)

    @property
    def media_type(self) -> str:
        return self.kind.media_type


def request_body_limit(max_file_bytes: int, *, files: int = 1) -> int:
    """A ``request_max_body_size`` for a form carrying up to ``files`` files of that size."""
    return max_file_bytes * files + 256 * 1024


def uploaded_files(form: Any, name: str) -> list[UploadFile]:
    """The files chosen in field ``name``; an empty file input (no file chosen) yields none."""
    chosen = []
    values = form.getall(name, []) if hasattr(form, "getall") else [form.get(name)]
    for value in values:
        if isinstance(value, UploadFile) and (value.filename or "").strip():
            chosen.append(value)
    return chosen


def display_name(filename: str | None, *, extension: str = "") -> str:
    """A name safe to show and to put in Content-Disposition: no path, no control characters.

    ``extension`` (``".pdf"``) replaces whatever the uploader's name claimed, so a PDF
    called ``photo.jpg`` is shown and downloaded as ``photo.pdf``.
    """
    text = unicodedata.normalize("NFC", filename or "")
    # Browsers on Windows have sent full paths: keep the last part only.
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE_NAME.sub("_", text).strip().lstrip(".").strip()
    stem = text.rsplit(".", 1)[0] if extension and "." in text else text
    stem = stem[: _NAME_MAX - len(extension)].strip() or "file"
    return stem + extension


async def upload_chunks(upload: UploadFile, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
    """The file's bytes from the start, a chunk at a time."""
    await upload.seek(0)
    while chunk := await upload.read(chunk_bytes):
        yield chunk


def _too_large_message(max_bytes: int) -> str:
    megabytes = max_bytes / (1024 * 1024)
    size = f"{megabytes:.0f} MB" if megabytes >= 1 else f"{max_bytes // 1024} KB"
    return _("This file is larger than %(size)s. Please choose a smaller file.", size=size)


def _wrong_kind_message(families: Iterable[str]) -> str:
    allowed = set(families)
    if allowed == {"photo"}:
        return _("Only photos (JPEG, PNG, WebP) are accepted here.")
    if allowed == {"pdf"}:
        return _("Only PDF files are accepted here.")
    if allowed == {"photo", "pdf"}:
        return _("Only photos (JPEG, PNG, WebP) and PDF files are accepted here.")
    return _("This type of file is not accepted here.")


async def store_upload(
    upload: UploadFile,
    *,
    area: str,
    families: Iterable[str],
    max_bytes: int,
    reencode_photos: bool = True,
    thumbnails: bool = False,
) -> StoredUpload:
    """Copy one uploaded file into storage under a new key, or refuse it and keep nothing."""
    families = tuple(families)
    storage = get_storage()
    key = new_key(area)
    name = upload.filename or ""
    try:
        size = await storage.save(key, upload_chunks(upload), max_bytes=max_bytes)
    except FileTooLarge:
        raise UploadRefused(
            _too_large_message(max_bytes), code="too_large", filename=name
        ) from None
    try:
        if size == 0:
            raise UploadRefused(
                _("This file is empty. Please choose it again."), code="empty", filename=name
            )
        kind = kinds.sniff(await storage.read_head(key, kinds.SNIFF_BYTES))
        if kind is None or kind.family not in families:
            raise UploadRefused(_wrong_kind_message(families), code="wrong_kind", filename=name)
        if kind.family == "photo" and reencode_photos:
            return await _store_reencoded(
                key, name=name, area=area, max_bytes=max_bytes, thumbnails=thumbnails
            )
    except BaseException:
        await storage.delete(key)
        raise
    return StoredUpload(
        key=key, kind=kind, size=size, name=display_name(name, extension=kind.extension)
    )


async def _store_reencoded(
    raw_key: str, *, name: str, area: str, max_bytes: int, thumbnails: bool
) -> StoredUpload:
    """Replace the uploaded photo by a clean re-encoding (and a thumbnail); drop the original."""
    storage = get_storage()
    try:
        photo = await photo_reencode(storage.local_path(raw_key), thumbnail=thumbnails)
    except ImageRefused as refused:
        raise UploadRefused(str(refused), code="unreadable", filename=name) from None
    key = new_key(area)
    thumb_key = new_key(area) if photo.thumbnail else ""
    try:
        with photo:
            size = await storage.save(key, photo.chunks(), max_bytes=max(max_bytes, photo.size))
            if photo.thumbnail is not None:
                await storage.save(thumb_key, photo.thumbnail_chunks(), max_bytes=max_bytes)
    except BaseException:
        await storage.delete(key)
        if thumb_key:
            await storage.delete(thumb_key)
        raise
    await storage.delete(raw_key)
    return StoredUpload(
        key=key,
        kind=photo.kind,
        size=size,
        name=display_name(name, extension=photo.kind.extension),
        thumb_key=thumb_key,
    )


async def store_uploads(
    uploads: list[UploadFile],
    *,
    area: str,
    families: Iterable[str],
    max_bytes: int,
    reencode_photos: bool = True,
    thumbnails: bool = False,
) -> list[StoredUpload]:
    """Store several files all or nothing: if one is refused, none of them is kept."""
    stored: list[StoredUpload] = []
    try:
        for upload in uploads:
            stored.append(
                await store_upload(
                    upload,
                    area=area,
                    families=families,
                    max_bytes=max_bytes,
                    reencode_photos=reencode_photos,
                    thumbnails=thumbnails,
                )
            )
    except BaseException:
        await discard_stored(stored)
        raise
    return stored


async def discard_stored(stored: Iterable[StoredUpload]) -> None:
    """Delete stored uploads (e.g. when the database write that should record them failed)."""
    storage = get_storage()
    for item in stored:
        await storage.delete(item.key)
        if item.thumb_key:
            await storage.delete(item.thumb_key)
