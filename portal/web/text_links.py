"""Plain text for HTML: everything escaped, http(s) links made clickable, nothing else."""

from __future__ import annotations

import functools
import re

from markupsafe import Markup, escape

# Up to whitespace or a character that cannot end a link in running text.
_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}。，；：！？）"


def linkify(text: str | None) -> Markup:
    if not text:
        return Markup("")
    if "://" not in text:
        return escape(text)  # most messages: nothing to link
    if len(text) <= _REMEMBERED_MAX:
        return _linked(text)
    return _linked.__wrapped__(text)


# A room page shows the same latest messages to every member, again on each visit: the
# links of a message's text are found once. Longer texts than a message are not kept.
_REMEMBERED_MAX = 4000


@functools.lru_cache(maxsize=1024)
def _linked(text: str) -> Markup:
    parts: list[str] = []
    position = 0
    for match in _LINK.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(escape(text[position : match.start()]))
        # What Markup('<a href="{0}" …>{0}</a>').format(url) gives, without string.Formatter
        # (~10 µs a link): the URL escaped once, in both places.
        link = escape(url)
        anchor = f'<a href="{link}" rel="nofollow noopener noreferrer" target="_blank">{link}</a>'
        parts.append(Markup(anchor))  # noqa: S704 - link is escaped just above
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
