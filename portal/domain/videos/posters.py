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
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.domain.errors import ValidationFailed
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
        with Image.open(source) as picture:
            picture = ImageOps.exif_transpose(picture).convert("RGB")
            picture.thumbnail((POSTER_MAX_SIDE, POSTER_MAX_SIDE))
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=80, optimize=True, progressive=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(
            {"poster": _("The poster picture could not be read. Please try another one.")}
        ) from None
    return out.getvalue()


async def poster_store(poster: PosterUpload) -> str:
    """Check and re-encode the picture, store it; returns its storage key."""
    data = await anyio.to_thread.run_sync(_reencode, poster.file)
    key = new_key("video-posters")

    async def chunks():
        yield data

    await get_storage().save(key, chunks(), max_bytes=POSTER_MAX_BYTES)
    return key
