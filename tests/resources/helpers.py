"""Helpers for the resources tests (fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from portal.config import get_settings
from portal.domain.organisation.tables import Cohort, Department
from portal.domain.resources.files import resource_file_store
from portal.domain.resources.library import ResourceInput, resource_create

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 2000


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "#1f6feb").save(buffer, format="PNG")
    return buffer.getvalue()


PNG_BYTES = _png()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 7):  # awkward chunking on purpose
        yield data[start : start + 7]


async def make_resource(
    kind: str = "faq",
    *,
    title: str = "宿舍有空调吗?",
    body: str = "有,每个房间都有。",
    url: str = "",
    department: Department | None = None,
    cohort: Cohort | None = None,
    status: str = "published",
    file_bytes: bytes | None = None,
    file_name: str = "handbook.pdf",
):
    audience = "cohort" if cohort else "department" if department else "everyone"
    stored = None
    if kind == "file":
        stored = await resource_file_store(_chunks(file_bytes or PDF_BYTES), filename=file_name)
    return await resource_create(
        data=ResourceInput(
            kind=kind,
            title=title,
            body=body,
            url=url,
            audience=audience,
            department_id=department.id if department else None,
            cohort_id=cohort.id if cohort else None,
            status=status,
        ),
        stored=stored,
        staff_id=None,
    )


def stored_files() -> list[str]:
    root = get_settings().media_dir / "resources"
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )
