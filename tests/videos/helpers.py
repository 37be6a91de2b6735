"""Helpers for the videos tests (fixtures are in conftest.py)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import httpx
from PIL import Image

from portal.files.storage import get_storage

TINY_MP4 = Path(__file__).parent.parent / "fixtures" / "tiny.mp4"


def tiny_mp4(label: str = "", *, padding: int = 0) -> bytes:
    """A real, playable one-second H.264 MP4 of 5 KB (``tests/fixtures/tiny.mp4``).

    ``label`` and ``padding`` go into a trailing MP4 ``free`` box (players skip it), to get
    distinct or larger files that are still valid videos.
    """
    extra = label.encode() + bytes(padding)
    if not extra:
        return TINY_MP4.read_bytes()
    return TINY_MP4.read_bytes() + struct.pack(">I", len(extra) + 8) + b"free" + extra


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#b54708").save(out, "PNG")
    return out.getvalue()


def csrf_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return {"x-csrftoken": client.cookies.get("onramp_csrf") or ""}


async def start_upload(
    client: httpx.AsyncClient,
    *,
    total: int,
    department_id: int | None = None,
    title: str = "欢迎你们",
    poster: bytes | None = None,
) -> httpx.Response:
    files = {"poster": ("poster.png", poster, "image/png")} if poster is not None else None
    return await client.post(
        "/admin/videos/uploads",
        data={
            "title": title,
            "department": str(department_id or ""),
            "total_bytes": str(total),
        },
        files=files,
        headers=csrf_headers(client),
    )


async def put_chunk(
    client: httpx.AsyncClient, video_id: int, offset: int, data: bytes
) -> httpx.Response:
    return await client.put(
        f"/admin/videos/uploads/{video_id}",
        content=data,
        headers={
            **csrf_headers(client),
            "Upload-Offset": str(offset),
            "Content-Type": "application/octet-stream",
        },
    )


async def upload_whole(
    client: httpx.AsyncClient, data: bytes, *, department_id: int | None = None, chunk: int = 4096
) -> int:
    started = await start_upload(client, total=len(data), department_id=department_id)
    assert started.status_code == 201, started.text
    video_id = started.json()["id"]
    for offset in range(0, len(data), chunk):
        response = await put_chunk(client, video_id, offset, data[offset : offset + chunk])
        assert response.status_code == 200, response.text
    return video_id


def stored_keys(area: str = "videos") -> list[str]:
    root = get_storage().root / area
    return sorted(str(path) for path in root.rglob("*") if path.is_file()) if root.exists() else []
