"""uvicorn's HTTP protocol with a deadline for request headers (``ONRAMP_HEADER_TIMEOUT_SECONDS``).

uvicorn times out idle keep-alive connections but not a request whose headers never end: a
client sending a header line every few seconds ("slowloris") holds its connection, and a
websocket handshake that never completes holds one too, for as long as it likes. Here every
request (the first on a connection and each later one) must finish its headers within the
timeout, or the connection gets ``408`` and is closed. A completed websocket handshake is
past this point; from then on uvicorn's pings find dead peers.

What this cannot do is limit how many connections one address opens, or slow bodies of
uploads: that is a reverse proxy's job (see the README's "Running behind a proxy").
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from portal.config import get_settings

TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 24\r\n"
    b"connection: close\r\n\r\n"
    b"request headers too slow"
)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` closing connections whose request headers take too long."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = float(get_settings().header_timeout_seconds)
        self.header_timer: asyncio.TimerHandle | None = None

    def _start_header_timer(self) -> None:
        if self.header_timer is None:
            self.header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _stop_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Nothing sent yet counts too: a connection opened and left silent.
        self._start_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        # A later request on a kept-alive connection starts its own deadline.
        self._start_header_timer()

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _headers_too_slow(self) -> None:
        self.header_timer = None
        if self.transport.is_closing():
            return
        self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()
