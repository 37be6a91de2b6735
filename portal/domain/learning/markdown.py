"""Lesson text: Markdown rendered safely.

Raw HTML is disabled (``<script>`` shows as text) and markdown-it's link validation
refuses ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` (other than images) URLs.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_lesson_markdown(text: str) -> Markup:
    """HTML for a lesson body; safe to insert into a page unescaped."""
    return Markup(_renderer().render(text or ""))  # noqa: S704 - html disabled above
