"""Signed one-click unsubscribe links: one per candidate, channel and category.

The token is the triple and an HMAC-SHA256 of it with the app's secret key, so the link
works without signing in and cannot be forged for someone else. It never expires: an
unsubscribe link in a month-old e-mail must still work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from portal.config import get_settings
from portal.domain.validation import row_id_from

_PURPOSE = b"onramp-unsubscribe-v1:"


def _signature(payload: str) -> str:
    key = hashlib.sha256(_PURPOSE + get_settings().secret_key.encode()).digest()
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_token(*, candidate_id: int, channel: str, category: str) -> str:
    payload = f"{candidate_id}.{channel}.{category}"
    return f"{payload}.{_signature(payload)}"


def unsubscribe_token_read(token: str) -> tuple[int, str, str] | None:
    """``(candidate_id, channel, category)`` for a genuine token, else None."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 4:
        return None
    candidate, channel, category, signature = parts
    payload = f"{candidate}.{channel}.{category}"
    if not hmac.compare_digest(signature, _signature(payload)):
        return None
    candidate_id = row_id_from(candidate)
    if candidate_id is None:
        return None
    return candidate_id, channel, category


def unsubscribe_url(*, candidate_id: int, channel: str, category: str) -> str:
    token = unsubscribe_token(candidate_id=candidate_id, channel=channel, category=category)
    return f"{get_settings().base_url}/unsubscribe/{token}"
