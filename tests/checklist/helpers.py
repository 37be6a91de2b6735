"""Helpers for the checklist tests (fixtures are in conftest.py)."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

from portal.domain.checklist.tables import ChecklistTemplate
from portal.domain.checklist.templates import TemplateInput, template_create

# A minimal, valid one-page PDF.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


# What Windows and Linux executables start with.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


GPS_IFD = 0x8825


def jpeg_bytes(
    *, size: tuple[int, int] = (64, 48), gps: bool = False, orientation: int | None = None
) -> bytes:
    """A JPEG photo, optionally with EXIF GPS coordinates and an orientation tag."""
    image = Image.new("RGB", size, (200, 30, 30))
    # A marker in the top-left corner, to check how orientation was applied.
    image.paste((0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 18.0, 0.0), 3: "E", 4: (120.0, 37.0, 0.0)})
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 128, 0, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


async def make_template(
    title: str = "身份证复印件", *, families: tuple[str, ...] = ("photo", "pdf"), **values: Any
) -> ChecklistTemplate:
    data = TemplateInput(
        title=title,
        explanation=values.pop("explanation", "正反两面"),
        accepted_kinds=families,
        min_files=values.pop("min_files", 1),
        max_files=values.pop("max_files", 2),
        days_before_start=values.pop("days_before_start", 7),
        required=values.pop("required", True),
        department_id=values.pop("department_id", None),
        position_id=values.pop("position_id", None),
    )
    assert not values, values
    return await template_create(data=data)


async def csrf(client: httpx.AsyncClient, path: str = "/checklist") -> str:
    if not client.cookies.get("onramp_csrf"):
        await client.get(path)
    token = client.cookies.get("onramp_csrf")
    assert token
    return token


async def upload(
    client: httpx.AsyncClient,
    template_id: int,
    *files: tuple[str, bytes, str],
) -> httpx.Response:
    return await client.post(
        f"/checklist/items/{template_id}/files",
        data={"_csrf_token": await csrf(client)},
        files=[("files", file) for file in files],
        follow_redirects=False,
    )


async def post(client: httpx.AsyncClient, path: str, **data: str) -> httpx.Response:
    return await client.post(
        path, data={"_csrf_token": await csrf(client), **data}, follow_redirects=False
    )


def stored_files(directory) -> list:
    """Every file in storage (temporary files included: none may be left behind)."""
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []
