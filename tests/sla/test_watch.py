"""Warnings and breaches: recorded once per question, however many watchers run at once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.config import get_settings
from portal.domain.errors import ValidationFailed
from portal.domain.sla import watch as sla_watch
from portal.domain.sla.policy import PolicyInput, sla_policy_save
from portal.domain.sla.tables import SlaEvent
from portal.domain.sla.watch import sla_check, sla_watch_start, sla_watch_stop
from tests.factories import make_cohort, make_department
from tests.sla.helpers import make_question, make_room


async def _one_question(**values):
    department = await make_department()
    cohort = await make_cohort(department)
    from tests.factories import make_candidate

    asker = await make_candidate(department, cohort=cohort, name="李四")
    room = await make_room(cohort)
    return await make_question(room, asker, **values)


async def _events() -> list[tuple[int, str]]:
    rows = await SlaEvent.select(SlaEvent.question, SlaEvent.kind).order_by(SlaEvent.id)
    return [(row["question"], row["kind"]) for row in rows]


async def _save_policy(webhook_url: str = "", warning_hours: str = "4") -> None:
    await sla_policy_save(
        data=PolicyInput(
            deadline_hours="24",
            warning_hours=warning_hours,
            business_hours_only=False,
            timezone="Asia/Shanghai",
            schedule={},
            webhook_url=webhook_url,
        )
    )


async def test_question_with_plenty_of_time_gets_no_event():
    await _one_question(hours_left=10)
    assert await sla_check() == []
    assert await _events() == []


async def test_warning_then_breach_each_recorded_once():
    question = await _one_question(hours_left=3)
    now = datetime.now(UTC)
    first = await sla_check(now)
    assert [(event.question_id, event.kind) for event in first] == [(question.id, "warning")]
    assert await sla_check(now + timedelta(minutes=1)) == []
    later = now + timedelta(hours=3, minutes=1)
    assert [event.kind for event in await sla_check(later)] == ["breach"]
    assert await sla_check(later + timedelta(hours=1)) == []
    assert await _events() == [(question.id, "warning"), (question.id, "breach")]


async def test_question_first_seen_overdue_gets_only_its_breach():
    question = await _one_question(hours_left=-2)
    await sla_check()
    assert await _events() == [(question.id, "breach")]


async def test_answered_and_closed_questions_are_not_breached():
    await _one_question(hours_left=-2, status="answered")
    await _one_question(hours_left=-2, status="closed")
    assert await sla_check() == []


async def test_warning_threshold_of_zero_means_no_warnings():
    await _save_policy(warning_hours="0")
    await _one_question(hours_left=1)
    assert await sla_check() == []


async def test_concurrent_checks_record_one_breach():
    question = await _one_question(hours_left=-1)
    results = await asyncio.gather(*(sla_check() for _ in range(5)))
    assert sum(len(events) for events in results) == 1
    assert await _events() == [(question.id, "breach")]


async def test_the_unique_index_refuses_a_second_breach_row():
    question = await _one_question(hours_left=-1)
    await sla_check()
    duplicate = SlaEvent(question=question.id, kind="breach", deadline_at=question.deadline_at)
    with pytest.raises(Exception) as raised:
        await duplicate.save()
    from portal.db import is_unique_violation

    assert is_unique_violation(raised.value)


_WORKER = """
import asyncio, sys, time
from datetime import datetime
from portal.db import bind_engine, close_engine, create_engine, prepare_engine
from portal.domain.sla.watch import sla_check

async def main(url, start_at, now):
    engine = create_engine(url)
    bind_engine(engine)
    await prepare_engine(engine)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    events = await sla_check(datetime.fromisoformat(now))
    print(len(events))
    await close_engine(engine)

asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3]))
"""


async def test_two_worker_processes_checking_at_the_same_moment_record_one_breach(
    database_url,
):
    questions = [await _one_question(hours_left=-1) for _ in range(3)]
    start_at = time.time() + 2.0
    now = datetime.now(UTC).isoformat()
    env = {**os.environ, "ONRAMP_DATABASE_URL": database_url}
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WORKER,
            database_url,
            str(start_at),
            now,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await worker.communicate() for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode()
    recorded = sum(int(out.decode().strip()) for out, _err in outputs)
    assert recorded == 3
    assert sorted(await _events()) == sorted((q.id, "breach") for q in questions)


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers["Content-Length"])
        type(self).received.append(
            {
                "content_type": self.headers["Content-Type"],
                "json": json.loads(self.rfile.read(length)),
            }
        )
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def allow_private(monkeypatch):
    """The receiver listens on loopback, which HR-configured URLs may reach only when allowed."""

    def apply(value: bool) -> None:
        monkeypatch.setenv("ONRAMP_OUTBOUND_ALLOW_PRIVATE", "true" if value else "false")
        get_settings.cache_clear()

    apply(True)
    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def webhook_receiver(allow_private):
    _Receiver.received = []
    _Receiver.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/sla", _Receiver
    server.shutdown()
    server.server_close()


async def test_breach_is_posted_once_to_the_webhook(webhook_receiver):
    url, receiver = webhook_receiver
    await _save_policy(webhook_url=url)
    question = await _one_question(hours_left=-1, body="宿舍几人间?")
    private = await _one_question(hours_left=-1, body="我的工资是多少?", private=True)
    await asyncio.gather(sla_check(), sla_check(), sla_check())
    await sla_check()
    payloads = sorted((hit["json"] for hit in receiver.received), key=lambda p: p["event_id"])
    assert [p["question"]["id"] for p in payloads] == [question.id, private.id]
    assert all(hit["content_type"] == "application/json" for hit in receiver.received)
    first = payloads[0]
    assert first["type"] == "sla.breach"
    assert first["question"]["body"] == "宿舍几人间?"
    assert first["question"]["asker"]["name"] == "李四"
    assert first["question"]["url"].endswith(f"/admin/questions#question-{question.id}")
    assert datetime.fromisoformat(first["question"]["deadline_at"]) == question.deadline_at
    assert "李四" in first["text"]
    # A private question's text does not leave the app.
    assert payloads[1]["question"]["private"] is True
    assert payloads[1]["question"]["body"] == ""
    rows = await SlaEvent.select(SlaEvent.notified_at, SlaEvent.notify_error)
    assert all(row["notified_at"] is not None and row["notify_error"] == "" for row in rows)


async def test_a_failing_webhook_is_logged_not_raised(webhook_receiver, caplog):
    url, receiver = webhook_receiver
    receiver.status = 500
    await _save_policy(webhook_url=url)
    await _one_question(hours_left=-1)
    events = await sla_check()
    assert len(events) == 1
    row = await SlaEvent.select(SlaEvent.notify_error).first()
    assert row["notify_error"] == "HTTP 500"

    # Nobody listening at all: still no exception, the event is still recorded.
    await _save_policy(webhook_url="http://127.0.0.1:9/nothing-here")
    await _one_question(hours_left=-1)
    assert len(await sla_check()) == 1
    errors = [row["notify_error"] for row in await SlaEvent.select(SlaEvent.notify_error)]
    assert errors[1].startswith("ConnectError")
    assert "SLA webhook" in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "https://user:secret@hooks.example.com/sla",
    ],
)
async def test_a_private_or_loopback_webhook_is_refused_when_saved(allow_private, url):
    allow_private(False)
    with pytest.raises(ValidationFailed) as refused:
        await _save_policy(webhook_url=url)
    assert "webhook_url" in refused.value.errors


async def test_the_webhook_address_is_checked_again_at_send_time(webhook_receiver, allow_private):
    # Saved while allowed (or resolving elsewhere then): the send checks the address it would
    # reach now, and refuses loopback without the setting. Nothing is posted.
    url, receiver = webhook_receiver
    await _save_policy(webhook_url=url)
    allow_private(False)
    await _one_question(hours_left=-1)
    assert len(await sla_check()) == 1
    assert receiver.received == []
    row = await SlaEvent.select(SlaEvent.notify_error, SlaEvent.notified_at).first()
    assert row["notify_error"].startswith("refused:") and row["notified_at"] is not None


async def test_the_watch_can_be_turned_off(monkeypatch):
    monkeypatch.setattr(sla_watch, "check_interval_seconds", lambda: 0.0)
    await _one_question(hours_left=-1)
    await sla_watch_start()
    await asyncio.sleep(0.2)
    await sla_watch_stop()
    assert await _events() == []


async def test_the_background_watch_records_breaches_until_stopped(monkeypatch):
    monkeypatch.setattr(sla_watch, "check_interval_seconds", lambda: 0.05)
    question = await _one_question(hours_left=-1)
    await sla_watch_start()
    try:
        for _ in range(100):
            if await _events():
                break
            await asyncio.sleep(0.05)
    finally:
        await sla_watch_stop()
    assert await _events() == [(question.id, "breach")]
    assert "task" not in sla_watch._WATCH
