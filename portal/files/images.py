"""Re-encoding uploaded photos with Pillow.

A phone photo carries EXIF metadata — often the GPS position where it was taken, the
phone's serial number, a thumbnail of the uncropped picture. Decoding the pixels and
encoding them again keeps none of it. The EXIF orientation is applied to the pixels
first (``ImageOps.exif_transpose``), so a photo taken upright still shows upright.

Runs in a worker thread (Pillow is blocking); the result is spooled to a temporary file
so a large photo is not held twice in memory.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import anyio
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.files import kinds
from portal.i18n import gettext as _

# Longer sides are scaled down: a document photo needs no more, and memory stays bounded.
MAX_SIDE = 4096
THUMBNAIL_SIDE = 320
# Pillow's own guard against decompression bombs, made an error instead of a warning.
MAX_PIXELS = 50_000_000
_SPOOL_BYTES = 1024 * 1024
_CHUNK = 256 * 1024


class ImageRefused(Exception):
    """The photo cannot be read; ``str()`` is a message for the user."""


@dataclass
class ReencodedPhoto:
    kind: kinds.FileKind
    file: IO[bytes]
    size: int
    thumbnail: IO[bytes] | None = None
    width: int = 0
    height: int = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        async for chunk in _chunks(self.file):
            yield chunk

    async def thumbnail_chunks(self) -> AsyncIterator[bytes]:
        if self.thumbnail is not None:
            async for chunk in _chunks(self.thumbnail):
                yield chunk

    def close(self) -> None:
        self.file.close()
        if self.thumbnail is not None:
            self.thumbnail.close()

    def __enter__(self) -> ReencodedPhoto:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _chunks(handle: IO[bytes]) -> AsyncIterator[bytes]:
    handle.seek(0)
    while chunk := await anyio.to_thread.run_sync(handle.read, _CHUNK):
        yield chunk


def _heif_supported() -> bool:
    return ".heic" in Image.registered_extensions()


def reencode_photo(source: Path, *, thumbnail: bool = False) -> ReencodedPhoto:
    """Decode ``source`` and encode it again without metadata (blocking; use a thread).

    PNG stays PNG (screenshots, transparency); everything else becomes JPEG.
    """
    with open(source, "rb") as handle:
        head = handle.read(kinds.SNIFF_BYTES)
    kind = kinds.sniff(head)
    if kind == kinds.HEIC and not _heif_supported():
        raise ImageRefused(
            _(
                "HEIC photos cannot be read here. Please upload a JPEG: take a screenshot of "
                "the photo, or set the camera to “Most Compatible”."
            )
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise ImageRefused(_("This photo has too many pixels to be read."))
                # JPEG can decode at a reduced size directly: far less memory for huge photos.
                opened.draft("RGB", (MAX_SIDE, MAX_SIDE))
                image = ImageOps.exif_transpose(opened)
                image.load()
    except ImageRefused:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise ImageRefused(
            _("This photo could not be read. Please take it again or choose another file.")
        ) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    keep_png = kind == kinds.PNG
    if keep_png:
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    elif image.mode != "RGB":
        image = _flatten(image)
    # Handed to the caller inside ReencodedPhoto, which closes them.
    out = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    thumb = None
    try:
        if keep_png:
            # No pnginfo / exif arguments: text chunks and EXIF are not copied.
            image.save(out, format="PNG", optimize=True)
        else:
            image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        size = out.tell()
        if thumbnail:
            preview = _flatten(image.copy())
            preview.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            thumb = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
            preview.save(thumb, format="JPEG", quality=75, optimize=True)
    except BaseException:
        out.close()
        if thumb is not None:
            thumb.close()
        raise
    return ReencodedPhoto(
        kind=kinds.PNG if keep_png else kinds.JPEG,
        file=out,
        size=size,
        thumbnail=thumb,
        width=image.width,
        height=image.height,
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background (JPEG has no transparency)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
