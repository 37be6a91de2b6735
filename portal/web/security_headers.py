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

from litestar.datastructures import MutableScopeHeaders
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


async def security_headers_add(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the page headers on every HTML response that lacks them."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)  # type: ignore[arg-type]
    if not (headers.get("content-type") or "").startswith("text/html"):
        return
    for name, value in PAGE_HEADERS.items():
        if headers.get(name) is None:
            headers[name] = value
