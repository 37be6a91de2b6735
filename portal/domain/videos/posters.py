"""A welcome video's poster: the still a phone shows before the video is pressed.

The uploaded picture is checked by content (JPEG, PNG or WebP), then re-encoded as a
modest JPEG: that drops EXIF data (such as where a photo was taken) and keeps the
picture light for candidates on mobile data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

import anyio

from portal.domain.errors import ValidationFailed
from portal.files.images import ImageRefused, decode_limiter, picture_decode
from portal.files.kinds import JPEG, PNG, SNIFF_BYTES, WEBP, sniff
from portal.files.storage import get_storage, new_key
from portal.i18n import gettext as _

POSTER_MAX_BYTES = 5 * 1024 * 1024
POSTER_MAX_SIDE = 960
_POSTER_KINDS = (JPEG, PNG, WEBP)


@dataclass(frozen=True)
class PosterUpload:
    """An uploaded picture: an open binary file (a spooled temporary file, say)."""

    file: BinaryIO


def _reencode(source: BinaryIO) -> bytes:
    source.seek(0, io.SEEK_END)
    if source.tell() > POSTER_MAX_BYTES:
        raise ValidationFailed(
            {"poster": _("A poster image can be at most %(limit)s MB.", limit=5)}
        )
    source.seek(0)
    if sniff(source.read(SNIFF_BYTES)) not in _POSTER_KINDS:
        raise ValidationFailed({"poster": _("The poster must be a JPEG, PNG or WebP picture.")})
    source.seek(0)
    try:
        # The same bounded decode as candidates' photos (pixel cap, JPEG at reduced size).
        picture = picture_decode(source, max_side=POSTER_MAX_SIDE).convert("RGB")
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=80, optimize=True, progressive=True)
    except ImageRefused as refused:
        raise ValidationFailed({"poster": str(refused)}) from None
    except (OSError, ValueError):
        raise ValidationFailed(
            {"poster": _("The poster picture could not be read. Please try another one.")}
        ) from None
    return out.getvalue()


async def poster_store(poster: PosterUpload) -> str:
    """Check and re-encode the picture, store it; returns its storage key."""
    data = await anyio.to_thread.run_sync(_reencode, poster.file, limiter=decode_limiter())
    key = new_key("video-posters")

    async def chunks():
        yield data

    await get_storage().save(key, chunks(), max_bytes=POSTER_MAX_BYTES)
    return key
