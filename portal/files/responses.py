"""Responses for stored private files, shared by the portal and the admin app.

Every caller authorises the request first; these only decide how the bytes travel:
streamed, typed by what was sniffed at upload, never cached by shared caches.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Response
from litestar.response import File, Stream

from portal.domain.errors import NotFound
from portal.files.storage import get_storage
from portal.files.uploads import display_name
from portal.i18n import gettext as _


def content_disposition(name: str, *, inline: bool) -> str:
    """``inline``/``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    safe = display_name(name) or "file"
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;%' else "_" for c in safe
    )
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe, safe='')}"


_INLINE_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")


async def stored_file_response(key: str, media_type: str, name: str) -> Response[Any]:
    """A private stored file, streamed; the caller has already authorised this request."""
    storage = get_storage()
    size = await storage.size(key)
    if size is None:
        raise NotFound(_("This file does not exist."))
    inline = media_type in _INLINE_TYPES
    headers = {
        "Content-Disposition": content_disposition(name, inline=inline),
        "X-Content-Type-Options": "nosniff",
        # Personal documents (ID photos…): kept by no cache at all, not even the browser's,
        # so nothing stays on a shared phone after sign-out.
        "Cache-Control": "no-store",
        # Only our own pages (the review page's <object>) may embed a private file.
        "X-Frame-Options": "SAMEORIGIN",
    }
    if media_type.startswith("image/"):
        # An image opened on its own runs nothing.
        headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
        )
    elif media_type == "application/pdf":
        # An uploaded PDF is someone else's document: opened in a sandbox (a unique origin,
        # no scripts, no forms), it can reach nothing of the signed-in session.
        headers["Content-Security-Policy"] = "sandbox"
    if size == 0:
        return Response(content=b"", headers=headers, media_type=media_type)
    headers["Content-Length"] = str(size)
    return Stream(
        storage.iter_range(key, 0, size - 1),
        headers=headers,
        media_type=media_type if inline else "application/octet-stream",
    )


def resource_file_response(*, key: str, name: str, media_type: str) -> File:
    """A stored resource file, shown in the browser; never cached by shared caches.

    Its type was sniffed at upload (PDF or a picture) and ``nosniff`` keeps the browser to
    it. No restrictive CSP: Chrome's built-in PDF viewer shows a blank page under one.
    """
    return File(
        path=get_storage().local_path(key),
        filename=name,
        media_type=media_type,
        content_disposition_type="inline",
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
