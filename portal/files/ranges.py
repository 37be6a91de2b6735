"""HTTP Range responses (RFC 9110 §14) for stored files, so phones can seek in a video.

Litestar 2's ``File`` response always sends the whole file, so this module answers
``Range: bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` with 206 and ``Content-Range``,
a range starting past the end with 416 and ``Content-Range: bytes */size``, and a
malformed or multi-part range with the whole file (servers may ignore Range). ETag and
Last-Modified let the browser revalidate (304) and ``If-Range`` keeps a resumed
download from mixing two versions of a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from litestar import Request, Response
from litestar.response import Stream

from portal.files.storage import LocalStorage

_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$", re.ASCII)


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiable(Exception):
    pass


# Past any file's size; a longer number means the same (and int() of thousands of digits
# is slow, or refused past 4,300).
_FAR = 2**63


def _position(digits: str) -> int | None:
    """A byte position as written in the header (ASCII digits), None when absent."""
    if not digits:
        return None
    # The pattern matched ASCII digits only (re.ASCII), so int() reads them.
    return min(int(digits), _FAR) if len(digits) <= len(str(_FAR)) else _FAR


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range asked for, None to send the whole file; RangeNotSatisfiable past the end."""
    if not header:
        return None
    match = _SINGLE_RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None  # malformed, another unit or several ranges: the whole file
    first, last = (_position(group) for group in match.groups())
    if first is None and last is None:
        return None
    if first is None:
        suffix = last
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    start = first
    end = last if last is not None else size - 1
    if last is not None and end < start:
        return None  # invalid: ignore the header
    if start >= size:
        raise RangeNotSatisfiable
    return ByteRange(start, min(end, size - 1))


def _http_date(value: datetime) -> str:
    return format_datetime(value.replace(microsecond=0), usegmt=True)


def _not_modified(request: Request[Any, Any, Any], etag: str, modified: datetime) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*"
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


def _if_range_allows(request: Request[Any, Any, Any], etag: str, modified: datetime) -> bool:
    """A Range with If-Range applies only if the file is still the version the client had."""
    if_range = request.headers.get("if-range")
    if not if_range:
        return True
    if if_range.startswith(('"', "W/")):
        return if_range == etag
    try:
        return modified.replace(microsecond=0) == parsedate_to_datetime(if_range)
    except (TypeError, ValueError):
        return False


def range_response(
    request: Request[Any, Any, Any],
    *,
    storage: LocalStorage,
    key: str,
    size: int,
    media_type: str,
    version: str,
    modified: datetime,
    cache_control: str = "private, max-age=3600",
) -> Response[Any]:
    """The file (or the part of it the Range header asks for), streamed from storage."""
    etag = f'"{version}-{size}"'
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": _http_date(modified),
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
    }
    if _not_modified(request, etag, modified):
        return Response(content=b"", status_code=304, headers=headers)
    try:
        wanted = parse_range(request.headers.get("range"), size)
    except RangeNotSatisfiable:
        return Response(
            content=b"",
            status_code=416,
            headers={**headers, "Content-Range": f"bytes */{size}"},
            media_type=media_type,
        )
    if wanted is not None and not _if_range_allows(request, etag, modified):
        wanted = None
    if wanted is None:
        part = ByteRange(0, size - 1)
        status = 200
    else:
        part = wanted
        status = 206
        headers["Content-Range"] = f"bytes {part.start}-{part.end}/{size}"
    if size == 0:
        return Response(content=b"", status_code=status, headers=headers, media_type=media_type)
    headers["Content-Length"] = str(part.length)
    return Stream(
        storage.iter_range(key, part.start, part.end),
        status_code=status,
        headers=headers,
        media_type=media_type,
    )
