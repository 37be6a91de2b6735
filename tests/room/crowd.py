"""A crowd of room members for the storm tests: thousands of real websocket clients.

Each member behaves like ``static/js/room.js``: it reconnects after a close with
``?after=`` the highest message id it had seen 5 s earlier (live frames can arrive out of
id order by a moment) and a jittered back-off (1 s doubling, capped), and stops for good
on 4401/4403. Members are signed in by writing their sessions
to the server's store (as the room benchmark does): the sign-in pages are not under test.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import shutil
import socket
import subprocess
import time
from collections import Counter, deque
from dataclasses import dataclass, field

import websockets
from websockets.asyncio.client import connect

from portal.auth.sessions import SESSION_COOKIE, Principal, session_start
from portal.auth.stores import store_for
from portal.config import get_settings
from portal.db import write_transaction
from portal.domain.candidates.records import first_stage
from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Department
from portal.domain.rooms.membership import cohort_room_ensure
from tests.factories import make_cohort, make_department


def raise_open_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def start_redis(port: int, directory: str) -> subprocess.Popen:
    """A private, persistent redis-server (sessions survive its restart, as in production)."""
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
         "--appendfsync", "everysec", "--dir", directory],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


async def crowd_room(size: int) -> tuple[int, list[int]]:
    """A cohort room with ``size`` candidates (inserted in bulk, as candidate_create would)."""
    department = await make_department()
    cohort = await make_cohort(department, capacity=size)
    stage = await first_stage()
    rows = [
        Candidate(
            name=f"成员{number}",
            phone=f"137{number:08d}",
            department=department.id,
            cohort=cohort.id,
            stage=stage.id,
            status="active",
            ordinal=number,
        )
        for number in range(1, size + 1)
    ]
    async with write_transaction():
        for start in range(0, size, 500):
            await Candidate.insert(*rows[start : start + 500]).run()
        await Department.update({Department.last_ordinal: size}).where(
            Department.id == department.id
        )
    ids = [
        row["id"]
        for row in await Candidate.select(Candidate.id).where(Candidate.cohort == cohort.id).run()
    ]
    return await cohort_room_ensure(cohort.id), ids


async def sign_in_all(principals: list[Principal]) -> list[str]:
    """Cookies for ``principals``, their sessions written to the configured store."""
    settings = get_settings()
    store = store_for(settings, "sessions")
    tokens = await asyncio.gather(
        *(
            session_start(store, settings, principal=principal, previous_token=None)
            for principal in principals
        )
    )
    return [f"{SESSION_COOKIE}={token}" for token in tokens]


# room.js's RESUME_LAG_MS.
RESUME_LAG = 5.0


@dataclass
class Member:
    cookie: str
    last_id: int = 0
    # As room.js: a resume asks from the highest id seen RESUME_LAG seconds ago (live
    # frames can arrive out of id order by a moment), so it may get some messages again.
    settled_id: int = 0
    new_ids: deque[tuple[float, int]] = field(default_factory=deque)
    bodies: set[str] = field(default_factory=set)
    # Ids received on the current connection: the server never sends one twice on one.
    ids: set[int] = field(default_factory=set)
    duplicates: int = 0
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    connections: int = 0
    ws: object | None = None

    def resume_after(self) -> int:
        cutoff = time.monotonic() - RESUME_LAG
        while self.new_ids and self.new_ids[0][0] <= cutoff:
            self.settled_id = self.new_ids.popleft()[1]
        return self.settled_id

    def note(self, message_id: int) -> None:
        if message_id in self.ids:
            self.duplicates += 1
        self.ids.add(message_id)
        if message_id > self.last_id:
            self.last_id = message_id
            self.resume_after()
            self.new_ids.append((time.monotonic(), message_id))


@dataclass
class Crowd:
    """Members that connect, stay, and reconnect like the room page's script."""

    base_url: str
    room_id: int
    members: list[Member]
    concurrency: int = 100
    failures: Counter = field(default_factory=Counter)  # refused handshakes by status
    close_codes: Counter = field(default_factory=Counter)
    _tasks: list[asyncio.Task] = field(default_factory=list)
    _gate: asyncio.Semaphore | None = None
    _stopping: bool = False

    def url(self, member: Member) -> str:
        base = self.base_url.replace("http://", "ws://")
        return f"{base}/ws/rooms/{self.room_id}?after={member.resume_after()}"

    def start(self) -> None:
        self._gate = asyncio.Semaphore(self.concurrency)
        self._tasks = [asyncio.create_task(self._live(member)) for member in self.members]

    async def _live(self, member: Member) -> None:
        backoff = 1.0
        while not self._stopping:
            try:
                assert self._gate is not None
                async with self._gate:
                    ws = await connect(
                        self.url(member),
                        origin=self.base_url,  # type: ignore[arg-type]
                        additional_headers={"Cookie": member.cookie},
                        compression=None,
                        open_timeout=120,
                        ping_interval=None,
                        max_queue=None,
                    )
            except websockets.InvalidStatus as refused:
                self.failures[refused.response.status_code] += 1
            except (OSError, TimeoutError, websockets.InvalidHandshake) as error:
                self.failures[type(error).__name__] += 1
            else:
                member.connections += 1
                member.ids = set()
                member.ws = ws
                member.connected.set()
                backoff = 1.0
                code = None
                try:
                    async for raw in ws:
                        frame = json.loads(raw)
                        if frame.get("type") == "message":
                            member.note(frame["id"])
                            member.bodies.add(frame["body"])
                except websockets.ConnectionClosed:
                    pass
                code = ws.close_code
                member.connected.clear()
                member.ws = None
                if self._stopping:
                    return
                self.close_codes[code] += 1
                if code in (4401, 4403):
                    return
            # As room.js: 1 s doubling up to 30 s, ±30 % jitter.
            await asyncio.sleep(backoff * random.uniform(0.7, 1.3))  # noqa: S311
            backoff = min(backoff * 2, 30.0)

    async def all_connected(self, timeout: float) -> float:  # noqa: ASYNC109
        started = time.monotonic()
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(member.connected.wait() for member in self.members))
        return time.monotonic() - started

    def duplicates(self) -> int:
        """Messages some member received twice on one connection (a resume may repeat
        what an earlier connection got: it asks from a few seconds back, like room.js)."""
        return sum(member.duplicates for member in self.members)

    def missing(self, bodies: set[str]) -> int:
        """How many (member, body) deliveries of ``bodies`` have not arrived yet."""
        return sum(len(bodies - member.bodies) for member in self.members)

    async def caught_up(self, bodies: set[str], timeout: float) -> float:  # noqa: ASYNC109
        started = time.monotonic()
        deadline = started + timeout
        while self.missing(bodies) or not all(m.connected.is_set() for m in self.members):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{self.missing(bodies)} deliveries missing, "
                    f"{sum(not m.connected.is_set() for m in self.members)} members offline"
                )
            await asyncio.sleep(0.2)
        return time.monotonic() - started

    async def stop(self) -> None:
        self._stopping = True
        await asyncio.gather(
            *(m.ws.close() for m in self.members if m.ws is not None),  # type: ignore[attr-defined]
            return_exceptions=True,
        )
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
