"""Group-chat bots: WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) webhooks.

Payloads follow each platform's documented custom-robot format:

* WeCom: ``{"msgtype": "text", "text": {"content": …}}`` or
  ``{"msgtype": "markdown", "markdown": {"content": …}}``; answer ``{"errcode": 0}``.
* DingTalk: ``{"msgtype": "text", "text": {"content": …}}`` or
  ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``; with a secret, the URL
  gets ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(key=secret,
  msg="<timestamp>\\n<secret>")), URL-encoded; answer ``{"errcode": 0}``.
* Feishu: ``{"msg_type": "text", "content": {"text": …}}`` or an ``interactive`` card with
  a markdown element; with a secret, the body gets ``timestamp`` (s) and ``sign`` =
  base64(HMAC-SHA256(key="<timestamp>\\n<secret>", msg=b"")); answer ``{"code": 0}``.

Every post goes through :func:`portal.net.outbound.outbound_post` (address checked when
resolved, redirects not followed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote_plus

import httpx

from portal.domain.messaging.channels import SendFailed
from portal.net.outbound import OutboundUrlRefused, outbound_post

# Bytes of UTF-8 each platform accepts in one message (documented limits, rounded down).
_LIMITS = {
    ("wecom", "text"): 2048,
    ("wecom", "markdown"): 4096,
    ("dingtalk", "text"): 20_000,
    ("dingtalk", "markdown"): 20_000,
    ("feishu", "text"): 30_000,
    ("feishu", "markdown"): 30_000,
}


def bot_text_limit(kind: str, body_format: str) -> int:
    return _LIMITS.get((kind, body_format), 2048)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` query value (already URL-encoded)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign`` body field: the key is "<timestamp>\\n<secret>", the message empty."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def bot_request(
    kind: str,
    url: str,
    *,
    text: str,
    title: str = "",
    body_format: str = "text",
    secret: str = "",
    now: float | None = None,
) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON payload, for one message."""
    now = time.time() if now is None else now
    markdown = body_format == "markdown"
    if kind == "wecom":
        content = f"**{title}**\n{text}" if markdown and title else text
        if title and not markdown:
            content = f"{title}\n{text}"
        if markdown:
            return url, {"msgtype": "markdown", "markdown": {"content": content}}
        return url, {"msgtype": "text", "text": {"content": content}}
    if kind == "dingtalk":
        if markdown:
            heading = f"### {title}\n\n" if title else ""
            payload: dict[str, Any] = {
                "msgtype": "markdown",
                "markdown": {"title": title or text[:20], "text": heading + text},
            }
        else:
            payload = {
                "msgtype": "text",
                "text": {"content": f"{title}\n{text}" if title else text},
            }
        if secret:
            timestamp = int(now * 1000)
            joiner = "&" if "?" in url else "?"
            url = f"{url}{joiner}timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}"
        return url, payload
    if kind == "feishu":
        if markdown:
            card: dict[str, Any] = {"elements": [{"tag": "markdown", "content": text}]}
            if title:
                card["header"] = {"title": {"tag": "plain_text", "content": title}}
            payload = {"msg_type": "interactive", "card": card}
        else:
            payload = {
                "msg_type": "text",
                "content": {"text": f"{title}\n{text}" if title else text},
            }
        if secret:
            timestamp = int(now)
            payload = {
                "timestamp": str(timestamp),
                "sign": feishu_sign(secret, timestamp),
                **payload,
            }
        return url, payload
    raise ValueError(f"unknown bot kind {kind!r}")


def _platform_error(kind: str, answer: Any) -> str:
    """The platform's error in a 200 answer ("" when it accepted the message)."""
    if not isinstance(answer, dict):
        return "unreadable answer"
    if kind == "feishu":
        code = answer.get("code", answer.get("StatusCode", 0))
        message = answer.get("msg", answer.get("StatusMessage", ""))
    else:
        code = answer.get("errcode", 0)
        message = answer.get("errmsg", "")
    return "" if code in (0, "0") else f"error {code}: {message}"[:300]


async def bot_post(
    kind: str,
    url: str,
    *,
    text: str,
    title: str = "",
    body_format: str = "text",
    secret: str = "",
    timeout: float = 10.0,
) -> None:
    """Post one message; :class:`SendFailed` when the platform did not take it."""
    target, payload = bot_request(
        kind, url, text=text, title=title, body_format=body_format, secret=secret
    )
    try:
        response = await outbound_post(target, json=payload, timeout=timeout)
    except OutboundUrlRefused as refused:
        raise SendFailed(f"webhook refused: {refused}", permanent=True) from None
    except httpx.HTTPError as error:
        raise SendFailed(f"webhook unreachable: {type(error).__name__}: {error}") from None
    if response.status_code >= 300:
        raise SendFailed(
            f"webhook answered HTTP {response.status_code}",
            permanent=400 <= response.status_code < 500 and response.status_code != 429,
        )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    error = _platform_error(kind, answer)
    if error:
        raise SendFailed(f"{kind} bot: {error}")
