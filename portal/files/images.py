"""Re-encoding uploaded photos with Pillow.

A phone photo carries EXIF metadata — often the GPS position where it was taken, the
phone's serial number, a thumbnail of the uncropped picture. Decoding the pixels and
encoding them again keeps none of it. The EXIF orientation is applied to the pixels
first (``ImageOps.exif_transpose``), so a photo taken upright still shows upright.

Runs in a worker thread (Pillow is blocking); the result is spooled to a temporary file
so a large photo is not held twice in memory.

Memory is bounded by what is decoded, not by the file's size: a 186 KB PNG of 7000×7000
pixels is 196 MB once decoded (RGBA) and took ~700 MB to re-encode. So:

* the decoded bitmap has at most ``ONRAMP_IMAGE_MAX_PIXELS`` (16.8 M, 4096×4096). JPEGs
  are decoded at 1/2, 1/4 or 1/8 of their size (libjpeg's DCT scaling, Pillow's
  ``draft``) until they fit, so a 48-megapixel phone photo still goes through; other
  formats cannot be decoded smaller and are refused above it (a clear 4xx);
* the picture is scaled down before it is rotated or converted, so each copy Pillow
  makes is of the small picture;
* :func:`photo_reencode` lets at most ``ONRAMP_IMAGE_DECODES`` photos be decoded at once
  in a process; further uploads wait.

Worst case per decode (measured by ``tests/checklist/test_image_memory.py``): about 4
bytes a pixel for the bitmap plus one copy; at most 200 MB at the default cap (README).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import warnings
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

import anyio
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.config import get_settings
from portal.files import kinds
from portal.i18n import gettext as _

# Longer sides are scaled down: a document photo needs no more, and memory stays bounded.
MAX_SIDE = 4096
THUMBNAIL_SIDE = 320
# EXIF orientation → the transposition that shows the photo upright.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
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


_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def decode_limiter() -> anyio.CapacityLimiter:
    """This process's limit on photos decoded at once (one per event loop: one per worker)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(get_settings().image_decodes)
    return limiter


async def photo_reencode(source: Path, *, thumbnail: bool = False) -> ReencodedPhoto:
    """:func:`reencode_photo` in a worker thread, at most ``ONRAMP_IMAGE_DECODES`` at once."""
    return await anyio.to_thread.run_sync(
        partial(reencode_photo, source, thumbnail=thumbnail), limiter=decode_limiter()
    )


def picture_decode(source: Path | IO[bytes], *, max_side: int) -> Image.Image:
    """The picture, upright, with its longer side at most ``max_side`` (blocking).

    Raises :class:`ImageRefused` when it cannot be read or would decode to more than
    ``ONRAMP_IMAGE_MAX_PIXELS`` pixels even at a reduced size.
    """
    max_pixels = get_settings().image_max_pixels
    try:
        with warnings.catch_warnings(), contextlib.ExitStack() as stack:
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Opened here, not by Image.open: closing the image would drop its pixels, and
            # copying them to keep them would double the memory.
            handle = stack.enter_context(open(source, "rb")) if isinstance(source, Path) else source
            opened = Image.open(handle)
            width, height = opened.size
            # JPEG decodes at 1/2, 1/4 or 1/8 size directly (a no-op for other formats):
            # small enough to fit the pixel cap, and no larger than max_side needs.
            scale = 1
            while scale < 8 and (
                (width // scale) * (height // scale) > max_pixels
                or max(width, height) // (scale * 2) >= max_side
            ):
                scale *= 2
            opened.draft("RGB", (max(1, width // scale), max(1, height // scale)))
            # Pillow's WebP decoder holds libwebp's buffer and a copy besides the bitmap.
            cost = 3 if opened.format == "WEBP" else 1
            if opened.width * opened.height * cost > max_pixels:
                raise ImageRefused(
                    _(
                        "This picture is too large (%(width)s×%(height)s pixels). Please "
                        "upload a photo or screenshot of at most %(limit)s megapixels.",
                        width=width,
                        height=height,
                        limit=max_pixels // cost // 1_000_000,
                    )
                )
            orientation = opened.getexif().get(0x0112)
            opened.load()
        image = opened
        # reduce() makes one small copy; thumbnail() then resamples in place.
        factor = max(image.width, image.height) // max_side
        if factor >= 2 and image.mode not in ("1", "P"):
            image = image.reduce(factor)
        image.thumbnail((max_side, max_side))
        transpose = _ORIENTATION.get(orientation or 1)
        if transpose is not None:
            image = image.transpose(transpose)
        return image
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
    image = picture_decode(source, max_side=MAX_SIDE)
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
            # contain() resizes into a new small picture: no full-size copy.
            preview = _flatten(ImageOps.contain(image, (THUMBNAIL_SIDE, THUMBNAIL_SIDE)))
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
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
