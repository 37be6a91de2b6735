"""Links to pictures and videos HR puts on lessons and rewards.

Only absolute http(s) URLs are accepted: a ``javascript:`` or ``data:`` URL in a
``src`` attribute must never reach a candidate's page, and a relative path would
point into the portal itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from portal.i18n import gettext as _

MAX_MEDIA_URL = 500
_VIDEO_SUFFIXES = (".mp4", ".webm", ".m3u8")


def media_url_check(raw: str, errors: dict[str, str], field: str) -> str:
    """The cleaned URL ("" when left empty); an error under ``field`` when it is not one."""
    url = raw.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (
        len(url) > MAX_MEDIA_URL
        or parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() or ord(ch) < 32 for ch in url)
    ):
        errors[field] = _(
            "Enter a link starting with https:// (at most %(max)s characters).", max=MAX_MEDIA_URL
        )
        return url
    return url


def media_kind(url: str) -> str:
    """ "video" for a link to a video file or stream, "image" for anything else, "" for none."""
    if not url:
        return ""
    path = urlsplit(url).path.lower()
    return "video" if path.endswith(_VIDEO_SUFFIXES) else "image"
