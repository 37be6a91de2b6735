"""Insights at scale: 10,000 candidates in 50 cohorts, 90 days of activity (~2 million events).

    python bench/insights.py [--scale 1.0] [--rounds 5] [--database-url sqlite:///… | postgresql://…]

Without ``--database-url`` it runs on a fresh SQLite file and, when PostgreSQL answers on
127.0.0.1:5432, on a fresh PostgreSQL database too. Data go in with bulk inserts
(``executemany`` on SQLite, ``COPY`` on PostgreSQL). Then, in the same run:

- the cohort dashboard (``GET /admin/insights?cohort=…`` through the real app, signed in as
  HR: selectors, template, SVG charts) against the same aggregates written as one
  hand-tuned SQL query each (run one after the other, results discarded);
- the risk list (``GET /admin/insights/risk``) against one SQL query;
- the full risk recompute (first run: every score written; second: nothing changed).

Targets: dashboard ≤ 500 ms, ratio ≤ 2×; full recompute ≤ 60 s on SQLite. Prints medians
of ``--rounds`` runs; exits 0 unless it crashed (it is a measurement).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

COHORTS = 50
CANDIDATES = 10_000
DAYS = 90
EVENTS_PER_CANDIDATE_DAY = 5.2  # → ~2 million events
KINDS = (
    ("page_view", "home"),
    ("page_view", "learning"),
    ("page_view", "checklist"),
    ("page_view", "room"),
    ("page_view", "inbox"),
    ("lesson_opened", "lesson"),
    ("sign_in", ""),
    ("page_view", "resources"),
)


def _text(moment: datetime) -> str:
    """How Piccolo's SQLite engine stores a timestamptz."""
    return moment.isoformat(" ")


class Loader:
    """Bulk rows into either database, bypassing the ORM (this is set-up, not the subject)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")

    async def __aenter__(self) -> Loader:
        if self.sqlite:
            self.db = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            self.db.execute("PRAGMA synchronous = OFF")
        else:
            import asyncpg

            self.db = await asyncpg.connect(self.url)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.sqlite:
            self.db.commit()
            self.db.close()
        else:
            for table in (
                "candidate",
                "course",
                "checklist_template",
                "room",
                "room_message",
                "room_question",
                "outbox_message",
                "activity_event",
                "candidate_activity",
                "quiz_attempt",
                "checklist_submission",
                "cohort",
                "department",
            ):
                await self.db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            await self.db.close()

    async def rows(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.sqlite:
            converted = [
                tuple(_text(v) if isinstance(v, datetime) else v for v in row) for row in rows
            ]
            marks = ",".join("?" * len(columns))
            self.db.executemany(
                f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})",  # noqa: S608
                converted,
            )
        else:
            await self.db.copy_records_to_table(table, records=rows, columns=columns)


async def generate(url: str, scale: float, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    candidates = max(COHORTS * 4, int(CANDIDATES * scale))
    per_cohort = candidates // COHORTS
    now = datetime.now(UTC).replace(microsecond=0)
    first_day = now - timedelta(days=DAYS)
    counts = {"events": 0}
    stages = await _stage_ids(url)
    async with Loader(url) as load:
        await load.rows(
            "department",
            ["id", "name", "last_ordinal", "created_at"],
            [(d, f"部门{d}", per_cohort * COHORTS, now) for d in range(1, 6)],
        )
        cohorts = []
        for c in range(1, COHORTS + 1):
            # Half started already (joined or withdrawn), half still waiting.
            starts = now + timedelta(days=(c - COHORTS // 2) * 3)
            cohorts.append(
                (c, f"第{c}期", (c % 5) + 1, starts, "培训中心", "Asia/Shanghai", per_cohort, now)
            )
        await load.rows(
            "cohort",
            [
                "id",
                "name",
                "department",
                "starts_at",
                "place",
                "timezone",
                "capacity",
                "created_at",
            ],
            cohorts,
        )
        await load.rows(
            "course",
            [
                "id",
                "title",
                "summary",
                "audience",
                "status",
                "minutes",
                "weight",
                "pass_percent",
                "created_at",
                "updated_at",
            ],
            [(i, f"课程{i}", "", "everyone", "published", 10, 1, 80, now, now) for i in (1, 2)],
        )
        await load.rows(
            "checklist_template",
            [
                "id",
                "title",
                "explanation",
                "accepted_kinds",
                "min_files",
                "max_files",
                "required",
                "days_before_start",
                "example_key",
                "example_name",
                "example_media_type",
                "sort_order",
                "status",
                "created_at",
                "updated_at",
            ],
            [
                (i, f"材料{i}", "", "photo", 1, 1, True, 7 * i, "", "", "", i, "active", now, now)
                for i in (1, 2, 3)
            ],
        )
        await load.rows(
            "room",
            ["id", "name", "cohort", "is_archived", "created_at"],
            [(c, f"第{c}期", c, False, now) for c in range(1, COHORTS + 1)],
        )
        people, events, summaries, quizzes, submissions = [], [], [], [], []
        messages, questions, inbox = [], [], []
        candidate_id = 0
        for c, _name, department, starts, *_rest in cohorts:
            for _ in range(per_cohort):
                candidate_id += 1
                past = starts < now
                status = "active"
                if rng.random() < 0.15:
                    status = "withdrawn"
                elif past:
                    status = "joined"
                created = max(first_day, starts - timedelta(days=rng.randint(14, 60)))
                people.append(
                    (
                        candidate_id,
                        f"候选人{candidate_id}",
                        f"139{candidate_id:08d}",
                        department,
                        c,
                        rng.choice(stages),
                        status,
                        "找到其他工作" if status == "withdrawn" else "",
                        candidate_id,
                        created,
                        created,
                    )
                )
                engagement = rng.random()
                days = max(1, (now - created).days)
                n = int(days * EVENTS_PER_CANDIDATE_DAY * engagement * 2)
                last = None
                for _ in range(n):
                    moment = created + timedelta(seconds=rng.randint(0, days * 86400))
                    kind, area = rng.choice(KINDS)
                    subject = rng.randint(1, 2) if kind == "lesson_opened" else 0
                    events.append((candidate_id, kind, area, subject, moment))
                    last = moment if last is None or moment > last else last
                if last is not None:
                    summaries.append((candidate_id, created, last, n, 1, 1))
                if rng.random() < engagement:
                    quizzes.append(
                        (uuid.uuid4().hex, candidate_id, 1, created, created, 1, 100, True, 10, "")
                    )
                for template in (1, 2, 3):
                    if rng.random() < engagement:
                        submissions.append(
                            (candidate_id, template, "submitted", 1, created, created, created)
                        )
                if rng.random() < 0.2:
                    asked = now - timedelta(hours=rng.randint(1, 24 * 60))
                    answered = asked + timedelta(hours=rng.randint(1, 40))
                    messages.append(
                        (
                            len(messages) + 1,
                            c,
                            candidate_id,
                            f"c{candidate_id}",
                            uuid.uuid4().hex,
                            "question",
                            "什么时候发工服？",
                            asked,
                        )
                    )
                    questions.append(
                        (
                            len(messages),
                            c,
                            candidate_id,
                            "hr",
                            False,
                            asked,
                            asked + timedelta(hours=24),
                            "answered" if answered < now else "open",
                            answered if answered < now else None,
                            asked,
                        )
                    )
                for m in range(2):
                    sent = now - timedelta(days=rng.randint(0, 80))
                    inbox.append(
                        (
                            f"bench:{candidate_id}:{m}",
                            "inbox",
                            "announcement",
                            candidate_id,
                            "",
                            "开营通知",
                            "…",
                            sent,
                            sent,
                            "sent",
                            sent if rng.random() < 0.6 else None,
                            sent,
                            sent,
                        )
                    )
            if len(events) > 200_000:
                counts["events"] += len(events)
                await load.rows(
                    "activity_event",
                    ["candidate", "kind", "area", "subject", "occurred_at"],
                    events,
                )
                events = []
        counts["events"] += len(events)
        await load.rows(
            "candidate",
            [
                "id",
                "name",
                "phone",
                "department",
                "cohort",
                "stage",
                "status",
                "withdraw_reason",
                "ordinal",
                "created_at",
                "updated_at",
            ],
            people,
        )
        await load.rows(
            "activity_event", ["candidate", "kind", "area", "subject", "occurred_at"], events
        )
        await load.rows(
            "candidate_activity",
            [
                "candidate",
                "first_active_at",
                "last_active_at",
                "events",
                "sign_ins",
                "lessons_opened",
            ],
            summaries,
        )
        await load.rows(
            "quiz_attempt",
            [
                "token",
                "candidate",
                "course",
                "created_at",
                "submitted_at",
                "attempt_number",
                "score_percent",
                "passed",
                "points_awarded",
                "answers",
            ],
            quizzes,
        )
        await load.rows(
            "checklist_submission",
            [
                "candidate",
                "template",
                "status",
                "round",
                "submitted_at",
                "created_at",
                "updated_at",
            ],
            submissions,
        )
        await load.rows(
            "room_message",
            [
                "id",
                "room",
                "author_candidate",
                "author_key",
                "client_id",
                "kind",
                "body",
                "created_at",
            ],
            messages,
        )
        await load.rows(
            "room_question",
            [
                "message",
                "room",
                "asker",
                "responder_role",
                "is_private",
                "asked_at",
                "deadline_at",
                "status",
                "answered_at",
                "updated_at",
            ],
            questions,
        )
        await load.rows(
            "outbox_message",
            [
                "dedupe_key",
                "channel",
                "category",
                "candidate",
                "recipient",
                "subject",
                "body",
                "not_before",
                "due_at",
                "status",
                "read_at",
                "next_attempt_at",
                "created_at",
            ],
            inbox,
        )
    counts["candidates"] = candidate_id
    return counts


async def _stage_ids(url: str) -> list[int]:
    from portal.domain.organisation.tables import Stage

    return [row["id"] for row in await Stage.select(Stage.id)]


# --- The hand-written reference: one SQL query per aggregate -------------------------------


def reference_queries(sqlite: bool) -> list[str]:
    week = (
        "strftime('%Y-%W', e.occurred_at)"
        if sqlite
        else "to_char(e.occurred_at AT TIME ZONE 'UTC', 'IYYY-IW')"
    )
    return [
        "SELECT status, stage, COUNT(*) AS n, MIN(created_at) AS first FROM candidate "
        "WHERE cohort = {cohort} GROUP BY status, stage",
        "SELECT withdraw_reason, COUNT(*) AS n FROM candidate WHERE cohort = {cohort} "
        "AND status = 'withdrawn' GROUP BY withdraw_reason",
        "SELECT COUNT(DISTINCT e.candidate) AS n FROM activity_event e JOIN candidate c "
        "ON c.id = e.candidate WHERE c.cohort = {cohort} AND c.status = 'active' "
        "AND e.occurred_at >= {week_ago} AND e.occurred_at < {now}",
        "SELECT a.last_active_at FROM candidate_activity a JOIN candidate c "
        "ON c.id = a.candidate WHERE c.cohort = {cohort} AND c.status = 'active'",
        "SELECT COUNT(*) AS n FROM (SELECT DISTINCT q.candidate, q.course FROM quiz_attempt q "
        "JOIN candidate c ON c.id = q.candidate WHERE c.cohort = {cohort} "
        "AND c.status = 'active' AND q.passed) t",
        "SELECT COUNT(*) AS n FROM checklist_submission s JOIN candidate c ON c.id = s.candidate "
        "WHERE c.cohort = {cohort} AND c.status = 'active' "
        "AND s.status IN ('submitted', 'approved')",
        "SELECT COUNT(*) AS asked, SUM(CASE WHEN q.answered_at <= q.deadline_at THEN 1 ELSE 0 "
        "END) AS ok FROM room_question q JOIN candidate c ON c.id = q.asker "
        "WHERE c.cohort = {cohort} AND q.asked_at >= {start} AND q.asked_at < {now}",
        "SELECT COUNT(*) AS sent, COUNT(m.read_at) AS opened FROM outbox_message m "
        "JOIN candidate c ON c.id = m.candidate WHERE c.cohort = {cohort} "
        "AND m.channel = 'inbox' AND m.status = 'sent' AND m.created_at >= {start} "
        "AND m.created_at < {now}",
        f"SELECT {week} AS week, COUNT(DISTINCT e.candidate) AS n FROM activity_event e "
        "JOIN candidate c ON c.id = e.candidate WHERE c.cohort = {cohort} "
        f"AND e.occurred_at >= {{start}} AND e.occurred_at < {{now}} GROUP BY {week}",
    ]


RISK_REFERENCE = (
    "SELECT a.candidate, c.name, a.score, a.band, a.reasons, "
    "(SELECT MAX(m.created_at) FROM outbox_message m WHERE m.candidate = a.candidate) AS last "
    "FROM risk_assessment a JOIN candidate c ON c.id = a.candidate "
    "WHERE a.is_current AND c.status = 'active' ORDER BY a.score DESC LIMIT 200"
)


async def _run_reference(sqls: list[str], values: dict[str, object]) -> None:
    from portal.domain.candidates.tables import Candidate

    for sql in sqls:
        names = [part.split("}")[0] for part in sql.split("{")[1:]]
        text = sql
        for name in set(names):
            text = text.replace("{" + name + "}", "{}")
        await Candidate.raw(text, *[values[name] for name in names])


async def _median_ms(action, rounds: int) -> float:  # noqa: ANN001
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        await action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def measure(url: str, scale: float, rounds: int) -> None:
    import httpx

    from onramp.app import create_app
    from portal.db import bind_engine, close_engine, create_engine, migrate, prepare_engine
    from portal.domain.insights.risk import risk_recompute
    from portal.domain.staff.accounts import staff_create

    engine = create_engine(url)
    bind_engine(engine)
    await prepare_engine(engine)
    await migrate()
    from portal.domain.candidates.tables import Candidate

    started = time.perf_counter()
    existing = await Candidate.count()
    if existing:  # --database-url of an earlier run: measure its data again
        from portal.domain.insights.tables import ActivityEvent

        counts = {"candidates": existing, "events": await ActivityEvent.count()}
    else:
        counts = await generate(url, scale, seed=11)
    generated = time.perf_counter() - started
    kind = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(
        f"\n== {kind}: {counts['candidates']:,} candidates, {COHORTS} cohorts, "
        f"{counts['events']:,} events; bulk insert {generated:.1f} s"
    )
    # Fresh statistics for both planners, as after any bulk load.
    await Candidate.raw("ANALYZE")

    started = time.perf_counter()
    first = await risk_recompute()
    recompute_first = time.perf_counter() - started
    started = time.perf_counter()
    await risk_recompute()
    recompute_again = time.perf_counter() - started
    print(
        f"full risk recompute: {recompute_first:.2f} s ({first.written:,} scores written; "
        f"target ≤ 60 s on SQLite), again with nothing changed: {recompute_again:.2f} s"
    )

    password = "bench password 1"
    staff = await staff_create(
        email=f"hr{uuid.uuid4().hex[:6]}@example.com", role="hr", password=password
    )
    app = create_app(manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
        await client.get("/admin/login")
        response = await client.post(
            "/admin/login",
            data={
                "email": staff.email,
                "password": password,
                "_csrf_token": client.cookies.get("onramp_csrf"),
            },
        )
        assert response.status_code in (302, 303), response.text
        cohort = COHORTS // 2 + 1  # a waiting cohort: active candidates, recent activity

        async def page() -> None:
            got = await client.get(f"/admin/insights?cohort={cohort}")
            assert got.status_code == 200, got.text[:500]

        async def risk_page() -> None:
            got = await client.get("/admin/insights/risk")
            assert got.status_code == 200, got.text[:500]

        now = datetime.now(UTC)
        values = {
            "cohort": cohort,
            "now": now,
            "week_ago": now - timedelta(days=7),
            "start": now - timedelta(days=30),
        }
        sqls = reference_queries(url.startswith("sqlite"))
        await page()  # warm: templates compiled, caches filled, for both sides alike
        await _run_reference(sqls, values)
        page_ms = await _median_ms(page, rounds)
        reference_ms = await _median_ms(lambda: _run_reference(sqls, values), rounds)
        await risk_page()
        risk_ms = await _median_ms(risk_page, rounds)
        risk_reference_ms = await _median_ms(lambda: _run_reference([RISK_REFERENCE], {}), rounds)
    print(
        f"cohort dashboard page: {page_ms:.0f} ms (target ≤ 500); hand-written SQL "
        f"({len(sqls)} queries): {reference_ms:.0f} ms; ratio {page_ms / reference_ms:.2f} "
        "(target ≤ 2)"
    )
    print(
        f"risk list page: {risk_ms:.0f} ms; one SQL query: {risk_reference_ms:.0f} ms; "
        f"ratio {risk_ms / risk_reference_ms:.2f}"
    )
    await close_engine(engine)


def _postgres_url() -> str | None:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError:
        return None
    return "postgresql://postgres@127.0.0.1:5432/postgres"


async def _fresh_postgres(admin_url: str) -> tuple[str, str]:
    import asyncpg

    name = f"onramp_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin_url)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


async def _drop_postgres(admin_url: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.close()


def main() -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("piccolo").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 10,000 candidates")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--only", choices=["sqlite", "postgres"], default=None)
    args = parser.parse_args()
    if args.database_url:
        asyncio.run(measure(args.database_url, args.scale, args.rounds))
        return
    if args.only != "postgres":
        with tempfile.TemporaryDirectory() as directory:
            asyncio.run(measure(f"sqlite:///{directory}/bench.db", args.scale, args.rounds))
    admin = _postgres_url()
    if args.only != "sqlite":
        if admin is None:
            print("PostgreSQL is not running on 127.0.0.1:5432: skipped.")
            return
        url, name = asyncio.run(_fresh_postgres(admin))
        try:
            asyncio.run(measure(url, args.scale, args.rounds))
        finally:
            asyncio.run(_drop_postgres(admin, name))


if __name__ == "__main__":
    main()
