"""What a file is, judged by its first bytes (never its name or the browser's Content-Type)."""

from __future__ import annotations

from dataclasses import dataclass

# Enough of the head of a file for every signature below.
SNIFF_BYTES = 64


@dataclass(frozen=True, slots=True)
class FileKind:
    code: str  # "jpeg", "png", …
    media_type: str
    extension: str
    family: str  # "photo", "pdf", "video"


JPEG = FileKind("jpeg", "image/jpeg", ".jpg", "photo")
PNG = FileKind("png", "image/png", ".png", "photo")
WEBP = FileKind("webp", "image/webp", ".webp", "photo")
HEIC = FileKind("heic", "image/heic", ".heic", "photo")
PDF = FileKind("pdf", "application/pdf", ".pdf", "pdf")
MP4 = FileKind("mp4", "video/mp4", ".mp4", "video")
WEBM = FileKind("webm", "video/webm", ".webm", "video")

# ISO base media "ftyp" brands: HEIF stills from iPhones vs. MP4/QuickTime video.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
    b"dash", b"qt  ", b"3gp4", b"3gp5", b"3g2a", b"mmp4", b"MSNV",
}  # fmt: skip


def sniff(head: bytes) -> FileKind | None:
    """The kind of file whose first bytes are ``head``, or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # Matroska's EBML header; WebM declares its DocType within the first bytes.
        return WEBM if b"webm" in head[:64] else None
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return HEIC
        if brand in _MP4_BRANDS:
            return MP4
    return None


def kinds_of_family(*families: str) -> tuple[FileKind, ...]:
    return tuple(
        kind for kind in (JPEG, PNG, WEBP, HEIC, PDF, MP4, WEBM) if kind.family in families
    )
