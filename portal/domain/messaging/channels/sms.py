"""SMS through a provider-neutral HTTP adapter.

``ONRAMP_SMS_URL`` receives a POST whose JSON body is ``ONRAMP_SMS_BODY_TEMPLATE`` with
``{phone}`` and ``{text}`` filled in (JSON-escaped), and ``Authorization:
ONRAMP_SMS_AUTH`` when set. A 2xx answer is success; the provider's message id is read
from the JSON answer at ``ONRAMP_SMS_ID_FIELD`` (a dotted path). 4xx answers (except 408
and 429) are permanent failures; 5xx, 408, 429 and network errors are retried.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from portal.config import get_settings
from portal.domain.messaging.channels import SendFailed
from portal.domain.messaging.locale import message_locale
from portal.domain.messaging.unsubscribe import unsubscribe_url
from portal.domain.validation import whole_number
from portal.i18n import gettext as _


def preference_category(category: str) -> str:
    """The category a preference or unsubscribe link covers (a digest is engagement)."""
    return "engagement" if category in ("engagement", "digest") else category


def sms_text(body: str, *, candidate_id: int, category: str, locale: str) -> str:
    """The text as sent: the body and the one-click unsubscribe link of its category."""
    url = unsubscribe_url(
        candidate_id=candidate_id, channel="sms", category=preference_category(category)
    )
    with message_locale(locale):
        footer = _("Unsubscribe: %(url)s", url=url)
    return f"{body.strip()} {footer}"


def sms_body(phone: str, text: str) -> bytes:
    template = get_settings().sms_body_template

    def escaped(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)[1:-1]

    filled = template.replace("{phone}", escaped(phone)).replace("{text}", escaped(text))
    return filled.encode("utf-8")


def _dig(data: Any, path: str) -> str:
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif (
            isinstance(data, list)
            and (index := whole_number(part, maximum=len(data) - 1)) is not None
        ):
            data = data[index]
        else:
            return ""
    return "" if data is None or isinstance(data, dict | list) else str(data)[:200]


class SmsSender:
    """One HTTP client kept for the relay's life (connections are reused)."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    async def send(self, *, phone: str, text: str) -> str:
        settings = get_settings()
        if not settings.sms_url:
            raise SendFailed("SMS is not configured", channel_down=True)
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=settings.smtp_timeout_seconds, follow_redirects=False, trust_env=False
            )
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if settings.sms_auth:
            headers["Authorization"] = settings.sms_auth
        try:
            response = await self._client.post(
                settings.sms_url, content=sms_body(phone, text), headers=headers
            )
        except httpx.ConnectError as error:
            raise SendFailed(f"SMS provider unreachable: {error}", channel_down=True) from None
        except httpx.HTTPError as error:
            raise SendFailed(f"SMS provider: {type(error).__name__}: {error}") from None
        if response.status_code >= 300:
            permanent = 400 <= response.status_code < 500 and response.status_code not in (
                408,
                429,
            )
            raise SendFailed(
                f"SMS provider answered HTTP {response.status_code}: {response.text[:300]}",
                permanent=permanent,
                channel_down=response.status_code >= 500,
            )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return _dig(answer, settings.sms_id_field)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
