"""Rendering a message's fixed parts (footers, digests) in the message's own language."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from portal.i18n import reset_locale, set_locale


@contextlib.contextmanager
def message_locale(locale: str) -> Iterator[None]:
    """Translate in ``locale`` inside the block (the relay runs outside any request)."""
    token = set_locale(locale)
    try:
        yield
    finally:
        reset_locale(token)
