"""Checks for URLs that HR types (group-bot webhooks now, the SLA webhook next).

A URL typed into an admin form makes this server send requests wherever it points; left
unchecked, that reaches the machine itself (``127.0.0.1``, the cloud metadata service at
``169.254.169.254``) and the company's private network. So:

* :func:`outbound_url_check` runs when the URL is saved: ``http(s)`` only, no user name
  or password in it, a host name or address that is not loopback, link-local, private
  or otherwise non-public (unless ``ONRAMP_OUTBOUND_ALLOW_PRIVATE`` is set — tests and
  intranet bots).
* :func:`outbound_post` runs at send time: it resolves the name, checks EVERY resolved
  address again (a name that resolved to a public address when saved may resolve to
  ``127.0.0.1`` now: DNS rebinding) and connects to the checked address itself, sending
  the original ``Host`` and TLS server name, so a second lookup cannot swap the target.
  Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from portal.config import get_settings
from portal.i18n import gettext as _

MAX_URL_LENGTH = 1000

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundUrlRefused(ValueError):
    """The URL may not be used; ``str(error)`` says why, for the person who typed it."""


def _allow_private() -> bool:
    return get_settings().outbound_allow_private


def address_check(address: Address, *, allow_private: bool | None = None) -> None:
    """Refuse addresses that are not on the public internet (unless allowed)."""
    if allow_private is None:
        allow_private = _allow_private()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified or address.is_multicast:
        raise OutboundUrlRefused(_("This address cannot receive messages."))
    if allow_private:
        return
    if address.is_loopback:
        raise OutboundUrlRefused(_("Addresses of this server itself are not allowed."))
    if address.is_link_local:
        raise OutboundUrlRefused(_("Link-local addresses are not allowed."))
    if not address.is_global:
        raise OutboundUrlRefused(_("Private network addresses are not allowed."))


def outbound_url_check(url: str) -> str:
    """The URL, trimmed, if it may be saved; else :class:`OutboundUrlRefused`."""
    value = (url or "").strip()
    if not value:
        raise OutboundUrlRefused(_("Please enter the webhook URL."))
    if len(value) > MAX_URL_LENGTH:
        raise OutboundUrlRefused(_("This URL is too long."))
    if any(ord(char) < 33 or ord(char) == 127 for char in value):
        raise OutboundUrlRefused(_("A URL cannot contain spaces or control characters."))
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise OutboundUrlRefused(_("This is not a valid URL.")) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise OutboundUrlRefused(_("Only http:// and https:// URLs are allowed."))
    host = parts.hostname
    if not host:
        raise OutboundUrlRefused(_("This URL has no host name."))
    if parts.username is not None or parts.password is not None:
        raise OutboundUrlRefused(_("A URL with a user name or password is not allowed."))
    if port == 0:
        raise OutboundUrlRefused(_("This is not a valid URL."))
    literal = _ip_literal(host)
    if literal is not None:
        address_check(literal)
    elif not _allow_private() and (host == "localhost" or host.endswith(".localhost")):
        raise OutboundUrlRefused(_("Addresses of this server itself are not allowed."))
    return value


def _ip_literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def resolved_address(host: str, port: int) -> Address:
    """The first address ``host`` resolves to, after checking every one of them."""
    literal = _ip_literal(host)
    if literal is not None:
        address_check(literal)
        return literal
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise OutboundUrlRefused(_("The host name could not be resolved.")) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise OutboundUrlRefused(_("The host name could not be resolved."))
    # Every answer is checked: the connection may use any of them.
    for address in addresses:
        address_check(address)
    return addresses[0]


async def outbound_post(
    url: str,
    *,
    json: Any = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> httpx.Response:
    """POST to an HR-configured URL, checked again and pinned to the checked address."""
    outbound_url_check(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = parts.hostname or ""
    address = await resolved_address(host, port)
    ip_host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{ip_host}:{port}"
    pinned = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rsplit("@", 1)[-1]
    sent_headers = {**(headers or {}), "Host": host_header}
    extensions = {"sni_hostname": host} if scheme == "https" else {}
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as c:
        request = c.build_request(
            "POST", pinned, json=json, content=content, headers=sent_headers, extensions=extensions
        )
        return await c.send(request)
