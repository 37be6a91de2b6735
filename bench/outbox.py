"""Offer day: 1,000 candidates of one cohort get a step at once.

Measures the time from the step's moment (the 1,000 outbox rows are enqueued, in ONE batch
INSERT inside one write transaction; a real journey step queues candidate by candidate,
in transactions of 100, see docs/outbox.md) until the local SMTP server
has accepted the last of the 1,000 e-mails, sent by the relay of a real ``onramp serve``
process. Reference, in the same run: a bare ``aiosmtplib`` loop sending the same 1,000
messages (built by the same code) over one connection to the same server. Prints both,
the ratio (target ≤ 1.5), lost and duplicated messages.

The SMTP server (aiosmtpd) runs in its own process and stamps each accepted message with
CLOCK_MONOTONIC (system-wide on Linux), so neither side shares its interpreter with it.

    python bench/outbox.py [--messages 1000] [--rounds 1] [--database-url postgresql://…]

Loopback only; temporary var dir; exits 0 unless it crashed (it is a measurement).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sink_main(port: int, accepted, duplicates, last_at, reset_event, ready) -> None:  # noqa: ANN001
    """The SMTP server process: counts distinct Message-IDs, duplicates, last acceptance."""
    from email.parser import BytesHeaderParser

    from aiosmtpd.controller import Controller

    seen: set[str] = set()
    parser = BytesHeaderParser()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802, ANN001
            if reset_event.is_set():
                seen.clear()
                reset_event.clear()
            message_id = str(parser.parsebytes(envelope.content)["Message-ID"])
            if message_id in seen:
                duplicates.value += 1
            else:
                seen.add(message_id)
                accepted.value += 1
            last_at.value = time.monotonic()
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


class Sink:
    def __init__(self) -> None:
        self.port = _free_port()
        context = multiprocessing.get_context("spawn")
        self.accepted = context.Value("i", 0)
        self.duplicates = context.Value("i", 0)
        self.last_at = context.Value("d", 0.0)
        self.reset_event = context.Event()
        ready = context.Event()
        self.process = context.Process(
            target=_sink_main,
            args=(self.port, self.accepted, self.duplicates, self.last_at, self.reset_event, ready),
            daemon=True,
        )
        self.process.start()
        ready.wait(30)

    def reset(self) -> None:
        self.accepted.value = 0
        self.duplicates.value = 0
        self.last_at.value = 0.0
        self.reset_event.set()

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.accepted.value < count and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.accepted.value >= count

    def stop(self) -> None:
        self.process.kill()
        self.process.join()


async def _prepare(count: int) -> list[int]:
    """A cohort of ``count`` candidates with e-mail addresses, inserted in bulk."""
    from portal.db import migrate, write_transaction
    from portal.domain.candidates.records import CandidateInput, candidate_create
    from portal.domain.candidates.tables import Candidate
    from portal.domain.organisation.tables import Cohort, Department

    await migrate()
    department = Department(name="生产部")
    await department.save()
    from datetime import UTC, datetime, timedelta

    cohort = Cohort(
        name="12 月第 1 期",
        department=department.id,
        starts_at=datetime.now(UTC) + timedelta(days=10),
    )
    await cohort.save()
    first = await candidate_create(
        data=CandidateInput(
            name="候选人1",
            phone="13900000001",
            email="c1@example.com",
            department_id=department.id,
            cohort_id=cohort.id,
        ),
        source="bench",
    )
    rows = [
        Candidate(
            name=f"候选人{n}",
            phone=f"139{n:08d}",
            email=f"c{n}@example.com",
            department=department.id,
            cohort=cohort.id,
            stage=first.stage,
            status="active",
            ordinal=first.ordinal + n - 1,
        )
        for n in range(2, count + 1)
    ]
    async with write_transaction():
        for start in range(0, len(rows), 400):
            await Candidate.insert(*rows[start : start + 400])
    return [r["id"] for r in await Candidate.select(Candidate.id).order_by(Candidate.id)]


def _messages(candidate_ids: list[int], round_number: int):  # noqa: ANN202
    from portal.domain.messaging.checks import OutboundMessage

    return [
        OutboundMessage(
            dedupe_key=f"journey:offer-day-{round_number}:{candidate_id}",
            channel="email",
            category="transactional",
            candidate_id=candidate_id,
            subject="录用通知：请在 3 天内确认",
            body="你好！你的录用通知已经发出，请登录 Onramp 查看入职安排并在 3 天内确认。\n"
            "培训地点：苏州培训中心。",
        )
        for candidate_id in candidate_ids
    ]


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process and its waited-for children have used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


async def _onramp_round(
    candidate_ids: list[int], round_number: int, sink: Sink, server_pid: int
) -> dict:
    from portal.domain.messaging.enqueue import messages_enqueue

    sink.reset()
    cpu_before = _process_cpu(server_pid) + time.process_time()
    started = time.monotonic()
    await messages_enqueue(messages=_messages(candidate_ids, round_number))
    enqueued = time.monotonic() - started
    complete = await asyncio.to_thread(sink.wait_for, len(candidate_ids), 300)
    return {
        "seconds": sink.last_at.value - started,
        "cpu": _process_cpu(server_pid) + time.process_time() - cpu_before,
        "enqueue_seconds": enqueued,
        "accepted": sink.accepted.value,
        "duplicates": sink.duplicates.value,
        "complete": complete,
    }


async def _bare_round(candidate_ids: list[int], round_number: int, sink: Sink) -> dict:
    """The reference: the same messages, built the same way, one aiosmtplib connection."""
    import aiosmtplib

    from portal.domain.messaging.channels.email import email_build

    sink.reset()
    cpu_before = time.process_time()
    started = time.monotonic()
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port, start_tls=False)
    await smtp.connect()
    for n, message in enumerate(_messages(candidate_ids, round_number + 1000)):
        # Built inside the loop, as any sender must (the relay builds each one too).
        built = email_build(
            row_id=n + 1,
            dedupe_key=message.dedupe_key,
            candidate_id=message.candidate_id or 0,
            category=message.category,
            recipient=f"c{n + 1}@example.com",
            subject=message.subject,
            body=message.body,
            body_html="",
            locale="zh_CN",
        )
        await smtp.send_message(built)
    await smtp.quit()
    cpu = time.process_time() - cpu_before
    complete = await asyncio.to_thread(sink.wait_for, len(candidate_ids), 60)
    return {
        "seconds": sink.last_at.value - started,
        "cpu": cpu,
        "accepted": sink.accepted.value,
        "duplicates": sink.duplicates.value,
        "complete": complete,
    }


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    import httpx

    log = open(Path(env["ONRAMP_VAR_DIR"]) / "serve.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "onramp.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=PROJECT_ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("onramp serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--relay-seconds", default="", help="ONRAMP_OUTBOX_RELAY_SECONDS")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="onramp-bench-outbox-")
    sink = Sink()
    env = {
        **os.environ,
        "ONRAMP_VAR_DIR": var_dir,
        "ONRAMP_SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "ONRAMP_DATABASE_URL": args.database_url or f"sqlite:///{var_dir}/onramp.db",
        "ONRAMP_SMTP_HOST": "127.0.0.1",
        "ONRAMP_SMTP_PORT": str(sink.port),
        "ONRAMP_SMTP_TLS": "none",
        "ONRAMP_OUTBOX_QUIET_HOURS": "off",
        "ONRAMP_SLA_CHECK_SECONDS": "0",
    }
    if args.relay_seconds:
        env["ONRAMP_OUTBOX_RELAY_SECONDS"] = args.relay_seconds
    for name in ("ONRAMP_REDIS_URL",):
        env.pop(name, None)
    os.environ.update(env)

    async def prepare() -> list[int]:
        from portal.db import close_engine, prepare_engine

        await prepare_engine()
        ids = await _prepare(args.messages)
        await close_engine()
        return ids

    candidate_ids = asyncio.run(prepare())
    port = _free_port()
    server = _serve(env, port)
    results = []
    try:
        for round_number in range(1, args.rounds + 1):

            async def one_round(n: int = round_number) -> tuple[dict, dict]:
                from portal.db import close_engine, prepare_engine

                await prepare_engine()
                bare = await _bare_round(candidate_ids, n, sink)
                onramp = await _onramp_round(candidate_ids, n, sink, server.pid)
                await close_engine()
                return bare, onramp

            results.append(asyncio.run(one_round()))
    finally:
        server.terminate()
        server.wait()
        sink.stop()
        shutil.rmtree(var_dir, ignore_errors=True)

    backend = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(f"Offer day: {args.messages} e-mails, one cohort, {backend}, one onramp serve process")
    print("enqueue: one batch (messages_enqueue: one INSERT in one write transaction)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 shared cores: judge the ratios)")
    ratios = []
    for n, (bare, onramp) in enumerate(results, 1):
        ratio = onramp["seconds"] / bare["seconds"]
        ratios.append(ratio)
        lost = args.messages - onramp["accepted"]
        verdict = "PASS" if ratio <= 1.5 and lost == 0 else "FAIL"
        print(
            f"round {n}: bare aiosmtplib loop {bare['seconds']:.2f} s "
            f"({args.messages / bare['seconds']:.0f} msg/s, "
            f"CPU {bare['cpu'] * 1000 / args.messages:.2f} ms/msg) | "
            f"onramp step→last accepted {onramp['seconds']:.2f} s "
            f"(enqueue {onramp['enqueue_seconds'] * 1000:.0f} ms, "
            f"{args.messages / onramp['seconds']:.0f} msg/s, CPU of server + enqueue "
            f"{onramp['cpu'] * 1000 / args.messages:.2f} ms/msg) | ratio {ratio:.2f} | "
            f"lost {lost} | duplicates {onramp['duplicates']} | {verdict}"
        )
    if len(ratios) > 1:
        print(f"median ratio {statistics.median(ratios):.2f} over {len(ratios)} rounds")


if __name__ == "__main__":
    main()
