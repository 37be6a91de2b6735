"""Which area of the portal a candidate page belongs to, for page views (one place)."""

from __future__ import annotations

import re

# (pattern, area, kind); the first group, when there is one, is the subject's id.
_PAGES: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern), area, kind)
    for pattern, area, kind in (
        (r"^/$", "home", "page_view"),
        (r"^/checklist$", "checklist", "page_view"),
        (r"^/learning$", "learning", "page_view"),
        (r"^/learning/courses/(\d+)$", "lesson", "lesson_opened"),
        (r"^/rooms(?:/(\d+))?$", "room", "page_view"),
        (r"^/resources$", "resources", "page_view"),
        (r"^/resources/(\d+)(?:/file)?$", "resources", "page_view"),
        (r"^/inbox$", "inbox", "page_view"),
        (r"^/inbox/(\d+)$", "inbox", "inbox_opened"),
    )
)


def page_area(path: str) -> tuple[str, str, int] | None:
    """``(kind, area, subject id)`` of a candidate page worth recording, else None."""
    for pattern, area, kind in _PAGES:
        found = pattern.match(path)
        if found:
            subject = found.group(1) if found.groups() else None
            return kind, area, int(subject) if subject else 0
    return None
