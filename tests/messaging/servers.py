"""Real servers on 127.0.0.1 standing in for the outside world: SMTP, an SMS provider, bots.

Nothing on the send path is mocked: the relay talks SMTP to aiosmtpd and HTTP to a small
``http.server``, each running in a thread of the test process (or in a subprocess, see
``smtp_sink_main``), and the tests read what those servers received.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from tests.live_servers import free_port


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.sink.refuse_recipients:
            return self.sink.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.sink.before_accept is not None:
            await self.sink.before_accept()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.mails.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message)
            )
            self.sink.last_accepted_at = time.monotonic()
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    """An aiosmtpd server counting what it accepted (by Message-ID)."""

    port: int = field(default_factory=free_port)
    mails: list[ReceivedMail] = field(default_factory=list)
    refuse_recipients: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_accepted_at: float = 0.0
    # Awaited (in the server's thread) before each message is accepted.
    before_accept: Callable[[], Awaitable[None]] | None = None
    _controller: Controller | None = None

    def start(self) -> SmtpSink:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(mail.message_id for mail in self.mails)

    def wait_for(self, distinct: int, timeout: float = 60.0) -> Counter[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = self.counts()
            if len(counts) >= distinct:
                return counts
            time.sleep(0.05)
        return self.counts()


@dataclass
class HttpRequestSeen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpSink:
    """A small HTTP server for the SMS provider and the bot webhooks.

    ``answer`` is ``(status, json body)`` for every POST; tests change it to simulate a
    failing provider.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[HttpRequestSeen] = []
        self.answer: tuple[int, Any] = (200, {"errcode": 0, "errmsg": "ok", "code": 0, "id": "m-1"})
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                sink.requests.append(
                    HttpRequestSeen(
                        parts.path,
                        parse_qs(parts.query),
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                status, payload = sink.answer
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        # Polled every 50 ms (the default, 0.5 s, is how long every stop() waited).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> HttpSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
