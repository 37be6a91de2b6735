"""Security headers on every HTML page, candidate and admin alike.

Added in the app's ``before_send`` hook, which sees every response (error pages and
404s included), and only where a handler did not set its own:

* ``Content-Security-Policy``: scripts only from our own ``/static/js`` files (no inline
  script or ``on…=`` attribute anywhere in the templates); pictures and videos HR links
  on lessons and rewards may come from any https host; the admin review page may embed a
  candidate's PDF (``object-src 'self'``); no page may be framed (``frame-ancestors``).
  Inline ``<style>`` blocks remain in some templates, so styles allow ``'unsafe-inline'``
  (styles cannot run code).
* ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``.
* ``Referrer-Policy: same-origin``: a page's URL (a one-tap link's token, a search) is
  never sent to another site.
* ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

from litestar.types import Message, Scope

PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: https:",
        "media-src 'self' https:",
        "object-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


# As the ASGI message carries them: lower-case names, latin-1 bytes.
_PAGE_HEADERS_RAW = [(name.lower().encode(), text.encode()) for name, text in PAGE_HEADERS.items()]


async def security_headers_add(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the page headers on every HTML response that lacks them.

    Reads and extends the message's header list directly: Litestar's MutableScopeHeaders
    scans and re-encodes the list for every get and set (~8 µs a page for these five).
    """
    if message["type"] != "http.response.start":
        return
    headers = message.get("headers") or []
    present = {bytes(name).lower(): value for name, value in headers}
    if not bytes(present.get(b"content-type", b"")).startswith(b"text/html"):
        return
    missing = [pair for pair in _PAGE_HEADERS_RAW if pair[0] not in present]
    if isinstance(headers, list):
        headers.extend(missing)
    else:
        message["headers"] = [*headers, *missing]
