"""Load client of the room fan-out benchmark: thousands of WebSocket members, cheaply.

The same client measures Onramp and the reference server, so it must not be the
bottleneck on a small machine it shares with the server under test. Each member is a bare
``asyncio.Protocol`` speaking just enough RFC 6455: one handshake, unmasked server frames
parsed in place, pongs to pings, close replies. A delivery is recognised by the marker
``bench:<seq>:<monotonic ns at send>`` in its body, found with a byte search (no JSON
decoding per frame); ``time.monotonic_ns()`` reads CLOCK_MONOTONIC, which is system-wide
on Linux, so the sender's and every worker process's clocks agree.

Members are spread over several worker processes (``spawn``ed, one event loop each, on
uvloop when installed); the coordinator drives them through pipes with small commands:
``connect``, ``progress``, ``collect``, ``quit``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import multiprocessing
import os
import resource
import time
import uuid
import zlib
from array import array
from dataclasses import dataclass, field
from typing import Any

MARK = b"bench:"
MESSAGE_TYPE = b'"message"'
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HANDSHAKE_BYTES = 65536


def raise_open_file_limit() -> int:
    """Raise the soft limit on open files to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def mask_frame(opcode: int, payload: bytes) -> bytes:
    """A final client frame (clients must mask, RFC 6455 §5.3)."""
    length = len(payload)
    if length < 126:
        header = bytes((0x80 | opcode, 0x80 | length))
    elif length < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
    key = os.urandom(4)
    if length:
        stream = (key * (length // 4 + 1))[:length]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(
            length, "big"
        )
    else:
        masked = b""
    return header + key + masked


@dataclass
class Tally:
    """What one process's members received, per bench message ``seq``."""

    messages: int
    latencies: array = field(default_factory=lambda: array("q"))
    count: array = field(init=False)
    first_ns: array = field(init=False)
    last_ns: array = field(init=False)
    duplicates: int = 0
    out_of_order: int = 0
    foreign: int = 0  # bench frames whose seq is outside this run
    other_frames: int = 0
    compressed: int = 0  # messages that came permessage-deflate compressed

    def __post_init__(self) -> None:
        self.count = array("q", bytes(8 * self.messages))
        self.first_ns = array("q", bytes(8 * self.messages))
        self.last_ns = array("q", bytes(8 * self.messages))

    @property
    def received(self) -> int:
        return len(self.latencies)

    def export(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "latencies": self.latencies.tobytes(),
            "count": self.count.tobytes(),
            "first_ns": self.first_ns.tobytes(),
            "last_ns": self.last_ns.tobytes(),
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "foreign": self.foreign,
            "other_frames": self.other_frames,
            "compressed": self.compressed,
        }


class Member(asyncio.Protocol):
    """One room member's connection; records every bench delivery in ``tally``."""

    def __init__(self, tally: Tally, request: bytes, accept: bytes) -> None:
        self.tally = tally
        self.request = request
        self.accept = accept
        self.buffer = bytearray()
        self.fragments: bytearray | None = None
        self.inflater: Any = None  # set when the server accepted permessage-deflate
        self.message_compressed = False
        self.seen = bytearray(tally.messages)
        self.last_seq = -1
        self.transport: asyncio.Transport | None = None
        self.open = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self.closing = False  # we started or answered a close
        self.lost = False

    # asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.open = False
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during the handshake: {exc}"))

    def data_received(self, data: bytes) -> None:
        now = time.monotonic_ns()
        buffer = self.buffer
        buffer += data
        if not self.open:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HANDSHAKE_BYTES:
                    self._fail("handshake response too large")
                return
            head = bytes(buffer[:end])
            del buffer[: end + 4]
            status = head.split(b"\r\n", 1)[0]
            if status.split(b" ")[1:2] != [b"101"]:
                self._fail(f"handshake refused: {status.decode('latin-1')}")
                return
            headers = {}
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            if headers.get(b"sec-websocket-accept") != self.accept:
                self._fail("handshake: wrong Sec-WebSocket-Accept")
                return
            if b"permessage-deflate" in headers.get(b"sec-websocket-extensions", b""):
                # One raw inflater for the connection's life: it decodes context takeover
                # and, as the largest window, any window size the server chose.
                self.inflater = zlib.decompressobj(-15)
            self.open = True
            self.opened.set_result(None)
        self._parse(now)

    # frames -----------------------------------------------------------------------------

    def _parse(self, now: int) -> None:
        buffer = self.buffer
        size = len(buffer)
        pos = 0
        while size - pos >= 2:
            first = buffer[pos]
            second = buffer[pos + 1]
            length = second & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
                head = 10
            if second & 0x80:  # a server must not mask; the key follows the length
                if size - pos < head + 4:
                    break
                key = bytes(buffer[pos + head : pos + head + 4])
                head += 4
            else:
                key = None
            end = pos + head + length
            if end > size:
                break
            payload = bytes(buffer[pos + head : end])
            if key is not None:
                payload = _unmask(payload, key)
            pos = end
            opcode = first & 0x0F
            final = first & 0x80
            if opcode in (1, 2, 0):
                if opcode:
                    self.message_compressed = bool(first & 0x40)
                if not final:
                    if self.fragments is None:
                        self.fragments = bytearray()
                    self.fragments += payload
                    continue
                if self.fragments is not None:
                    self.fragments += payload
                    payload = bytes(self.fragments)
                    self.fragments = None
                if self.message_compressed and self.inflater is not None:
                    payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
                    self.tally.compressed += 1
                self.on_message(payload, now)
            elif opcode == 9:  # ping
                self.send_frame(0xA, payload)
            elif opcode == 8:  # close
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                if not self.closing:
                    self.closing = True
                    self.send_frame(0x8, payload[:2])
                if self.transport is not None:
                    self.transport.close()
                break
        if pos:
            del buffer[:pos]

    def on_message(self, payload: bytes, now: int) -> None:
        tally = self.tally
        at = payload.find(MARK)
        if at < 0 or MESSAGE_TYPE not in payload:
            tally.other_frames += 1
            self.on_other(payload)
            return
        start = at + len(MARK)
        colon = payload.find(b":", start)
        quote = payload.find(b'"', colon)
        try:
            seq = int(payload[start:colon])
            sent_ns = int(payload[colon + 1 : quote])
        except ValueError:
            tally.foreign += 1
            return
        if not 0 <= seq < tally.messages:
            tally.foreign += 1
            return
        if self.seen[seq]:
            tally.duplicates += 1
            return
        self.seen[seq] = 1
        if seq < self.last_seq:
            tally.out_of_order += 1
        else:
            self.last_seq = seq
        tally.latencies.append(now - sent_ns)
        tally.count[seq] += 1
        first = tally.first_ns[seq]
        if first == 0 or now < first:
            tally.first_ns[seq] = now
        if now > tally.last_ns[seq]:
            tally.last_ns[seq] = now

    def on_other(self, payload: bytes) -> None:
        """Frames that are not bench deliveries (acks, errors, presence...)."""

    def send_frame(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(mask_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        self.send_frame(0x1, text.encode())

    def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if self.open and not self.closing:
            self.closing = True
            self.send_frame(0x8, (1000).to_bytes(2, "big"))
        self.transport.close()

    def _fail(self, reason: str) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(reason))
        if self.transport is not None:
            self.transport.close()


def _unmask(payload: bytes, key: bytes) -> bytes:
    length = len(payload)
    if not length:
        return payload
    stream = (key * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(length, "big")


class Sender(Member):
    """The member who posts: remembers each ``client_id`` to time its ack, keeps errors."""

    def __init__(self, tally: Tally, request: bytes, accept: bytes) -> None:
        super().__init__(tally, request, accept)
        self.pending: dict[str, tuple[int, int]] = {}  # client_id -> (seq, sent ns)
        self.ack_ns = array("q", bytes(8 * tally.messages))
        self.ack_ids: dict[int, Any] = {}
        self.errors: list[dict[str, Any]] = []
        self.sent = 0

    def post(self, seq: int) -> int:
        """Send bench message ``seq``; return its send time (monotonic ns)."""
        client_id = str(uuid.uuid4())
        sent_ns = time.monotonic_ns()
        frame = {
            "type": "send",
            "client_id": client_id,
            "kind": "chat",
            "body": f"bench:{seq}:{sent_ns}",
            "reply_to": None,
        }
        self.pending[client_id] = (seq, sent_ns)
        self.send_text(json.dumps(frame, separators=(",", ":")))
        self.sent += 1
        return sent_ns

    def on_other(self, payload: bytes) -> None:
        now = time.monotonic_ns()
        try:
            data = json.loads(payload)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        if data.get("type") == "ack":
            entry = self.pending.pop(str(data.get("client_id")), None)
            if entry is not None:
                seq, sent_ns = entry
                self.ack_ns[seq] = now - sent_ns
                self.ack_ids[seq] = data.get("id")
        elif data.get("type") == "error":
            self.errors.append(data)


@dataclass(frozen=True)
class Target:
    """Where members connect: ``path`` on 127.0.0.1:``port``."""

    port: int
    path: str
    origin: str | None = None
    host: str = "127.0.0.1"
    deflate: bool = False  # offer permessage-deflate, as browsers do


def handshake(target: Target, cookie: str | None) -> tuple[bytes, bytes]:
    key = base64.b64encode(os.urandom(16))
    accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())  # noqa: S324 - RFC 6455
    lines = [
        f"GET {target.path} HTTP/1.1",
        f"Host: {target.host}:{target.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key.decode()}",
        "Sec-WebSocket-Version: 13",
    ]
    if target.deflate:
        lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
    if target.origin:
        lines.append(f"Origin: {target.origin}")
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), accept


async def open_member(
    factory: type[Member], tally: Tally, target: Target, cookie: str | None, timeout: float = 30
) -> Member:
    loop = asyncio.get_running_loop()
    request, accept = handshake(target, cookie)
    _, member = await asyncio.wait_for(
        loop.create_connection(lambda: factory(tally, request, accept), target.host, target.port),
        timeout,
    )
    try:
        await asyncio.wait_for(member.opened, timeout)
    except BaseException:
        member.close()
        raise
    return member


async def open_members(
    tally: Tally, target: Target, cookies: list[str | None], concurrency: int
) -> tuple[list[Member], list[str]]:
    """Connect one member per cookie, ``concurrency`` handshakes at a time."""
    gate = asyncio.Semaphore(concurrency)
    members: list[Member] = []
    errors: list[str] = []

    async def one(cookie: str | None) -> None:
        async with gate:
            try:
                members.append(await open_member(Member, tally, target, cookie))
            except (TimeoutError, OSError, ConnectionError) as error:
                errors.append(f"{type(error).__name__}: {error}")

    await asyncio.gather(*(one(cookie) for cookie in cookies))
    return members, errors


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


# worker processes ------------------------------------------------------------------------


def worker_main(pipe: Any) -> None:
    raise_open_file_limit()
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a uvicorn[standard] dependency
        pass
    asyncio.run(_worker(pipe))


async def _worker(pipe: Any) -> None:
    members: list[Member] = []
    tally: Tally | None = None
    while True:
        command, args = await asyncio.to_thread(pipe.recv)
        if command == "connect":
            tally = Tally(args["messages"])
            started = time.monotonic()
            members, errors = await open_members(
                tally, args["target"], args["cookies"], args["concurrency"]
            )
            pipe.send(
                {
                    "connected": len(members),
                    "errors": errors,
                    "seconds": time.monotonic() - started,
                }
            )
        elif command == "progress":
            pipe.send(
                {
                    "received": tally.received if tally else 0,
                    "open": sum(1 for member in members if member.open and not member.lost),
                }
            )
        elif command == "collect":
            assert tally is not None
            pipe.send(
                {
                    **tally.export(),
                    "closed_by_server": sum(
                        1 for member in members if member.lost and not member.closing
                    )
                    + sum(1 for member in members if member.close_code is not None),
                    "close_codes": sorted(
                        {member.close_code for member in members if member.close_code is not None}
                    ),
                    "cpu_seconds": cpu_seconds(),
                }
            )
        elif command == "quit":
            for member in members:
                member.close()
            await asyncio.sleep(0.2)
            pipe.send({"bye": True})
            return


class LoadClient:
    """The coordinator's handle on ``processes`` worker processes sharing the members."""

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        for _ in range(processes):
            parent, child = context.Pipe()
            process = context.Process(target=worker_main, args=(child,), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    async def _ask_all(self, commands: list[tuple[str, Any]]) -> list[dict[str, Any]]:
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)
        return list(await asyncio.gather(*(asyncio.to_thread(pipe.recv) for pipe in self.pipes)))

    async def connect(
        self, target: Target, cookies: list[str | None], messages: int, concurrency: int = 64
    ) -> dict[str, Any]:
        count = len(self.pipes)
        shares = [cookies[index::count] for index in range(count)]
        replies = await self._ask_all(
            [
                (
                    "connect",
                    {
                        "target": target,
                        "cookies": share,
                        "messages": messages,
                        "concurrency": max(1, concurrency // count),
                    },
                )
                for share in shares
            ]
        )
        return {
            "connected": sum(reply["connected"] for reply in replies),
            "errors": [error for reply in replies for error in reply["errors"]],
            "seconds": max(reply["seconds"] for reply in replies),
        }

    async def progress(self) -> dict[str, int]:
        replies = await self._ask_all([("progress", None)] * len(self.pipes))
        return {
            "received": sum(reply["received"] for reply in replies),
            "open": sum(reply["open"] for reply in replies),
        }

    async def collect(self) -> list[dict[str, Any]]:
        return await self._ask_all([("collect", None)] * len(self.pipes))

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes:
            with contextlib.suppress(OSError):
                total += cpu_seconds(process.pid)  # type: ignore[arg-type]
        return total

    async def close(self) -> None:
        with contextlib.suppress(TimeoutError, EOFError, OSError):
            await asyncio.wait_for(self._ask_all([("quit", None)] * len(self.pipes)), 10)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
