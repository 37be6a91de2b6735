"""Plain text for HTML: everything escaped, http(s) links made clickable, nothing else."""

from __future__ import annotations

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
    parts: list[str] = []
    position = 0
    for match in _LINK.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(escape(text[position : match.start()]))
        parts.append(
            Markup(
                '<a href="{0}" rel="nofollow noopener noreferrer" target="_blank">{0}</a>'
            ).format(url)
        )
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
