"""Lesson text: Markdown rendered safely.

Raw HTML is disabled (``<script>`` shows as text) and markdown-it's link validation
refuses ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` (other than images) URLs.
"""

from __future__ import annotations

from functools import cache, lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_lesson_markdown(text: str) -> Markup:
    """HTML for a lesson body; safe to insert into a page unescaped."""
    return Markup(_rendered(text or ""))  # noqa: S704 - html disabled above


@lru_cache(maxsize=256)
def _rendered(text: str) -> str:
    # The HTML depends on the text alone, and the same lessons and resources are read all
    # day: parsing a lesson cost more than the rest of its page. An edit is a new text, so
    # a new entry; the oldest drop out past 256 (a few MB at most).
    return _renderer().render(text)
