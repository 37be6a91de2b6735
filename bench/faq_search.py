"""Instant answers: p95 query time and recall@3 of the FAQ search, on SQLite and PostgreSQL.

For each ``--database``, on a fresh, migrated database in one run:

- **corpus**: 5,000 documents (``--documents``): 3,000 published FAQ entries and 2,000
  answered room questions of one cohort, generated from the vocabulary below — every
  combination of a place (``PLACES``), a subject (``SUBJECTS``) and an aspect
  (``ASPECTS``), each written in the aspect's first phrasing, with a generated answer.
  The index is built by the same service the app uses (``faq_index_rebuild``).
- **queries**: 1,000 (``--queries``): 800 paraphrases of known documents (the same place
  and subject in another phrasing of the aspect, which keeps one keyword of it and
  changes the rest: "什么时候开始" → "几点开始"), and 200 others (a subject alone, two
  characters; a place and a subject; unknown words) that are timed but not scored.
- **p95**: the 95th percentile of ``faq_search(query, reader, limit=3)``, the call the
  suggestion endpoint makes, in milliseconds. **recall@3**: the share of paraphrases whose
  document is among the first three results.
- **reference**, in the same run: the search this replaces, a substring scan
  (``LIKE '%…%'``) of every document for the query's first two characters, and one round
  trip (``SELECT 1``), so a loaded machine shows as slower references too. A search is
  two or three round trips (term statistics, ranking, and re-checking questions found).

Targets: p95 <= 20 ms, recall@3 >= 0.8. Exits 1 if a target is missed.
Only 127.0.0.1 is ever contacted (PostgreSQL).

Run:   python bench/faq_search.py                  (SQLite and PostgreSQL)
       python bench/faq_search.py --database sqlite --queries 200
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

P95_TARGET_MS = 20.0
RECALL_TARGET = 0.8

PLACES = (
    "生产部", "门店", "仓库", "研发中心", "总部", "苏州园区", "上海园区", "成都工厂",
    "物流中心", "客服中心", "武汉基地", "广州分公司",
)  # fmt: skip
SUBJECTS = (
    "宿舍", "食堂", "班车", "工资", "体检", "工服", "岗前培训", "报到", "社保", "公积金",
    "加班费", "年假", "门禁卡", "工牌", "停车场", "健身房", "医务室", "员工手册", "试用期",
    "转正", "夜班", "倒班", "岗位津贴", "餐补", "房补", "话费补贴", "劳动合同", "工资卡",
    "身份证复印件", "证件照", "健康证", "安全帽", "劳保鞋", "储物柜", "洗衣房", "热水",
    "空调", "无线网络", "快递柜", "请假", "考勤", "打卡机", "班组长", "师傅带教", "技能考试",
    "消防演练", "安全培训", "入职礼包", "积分商城", "团建活动", "生日福利", "婚假", "产假",
    "病假", "离职手续",
)  # fmt: skip
# Each aspect: the phrasing documents use, then paraphrases (keeping one keyword).
ASPECTS = (
    ("{p}的{s}什么时候开始?", "请问{p}{s}几点开始", "{s}在{p}哪天开始啊"),
    ("{p}的{s}在哪里?", "{p}{s}具体位置在哪里", "请问去哪里找{p}的{s}"),
    ("{p}的{s}要收费吗?", "{p}{s}收费标准是多少", "请问{s}在{p}收费不"),
    ("{p}的{s}怎么办理?", "{p}{s}去哪办理", "请问{s}在{p}如何办理"),
    ("{p}的{s}需要带什么材料?", "{p}{s}准备哪些材料", "办{p}{s}要什么材料"),
    ("{p}的{s}找谁负责?", "{p}{s}由谁负责", "请问{s}在{p}的负责人是谁"),
    ("{p}的{s}需要多长时间?", "{p}{s}大概多长时间", "{s}在{p}一般要多长时间"),
    ("{p}的{s}可以更改吗?", "{p}{s}能不能更改", "请问{s}在{p}更改需要申请吗"),
)  # fmt: skip
ANSWER_TAILS = (
    "请在入职前一周完成,详情见员工手册。",
    "具体安排以当地人事通知为准,有疑问请在群里提问。",
    "请联系所在部门的人事专员,工作日九点到六点都可以。",
    "按公司统一规定执行,特殊情况可以提交申请。",
)


def corpus(count: int) -> list[tuple[int, int, int]]:
    combos = [
        (p, s, a)
        for p in range(len(PLACES))
        for s in range(len(SUBJECTS))
        for a in range(len(ASPECTS))
    ]
    random.Random(14).shuffle(combos)
    if count > len(combos):
        raise SystemExit(f"the vocabulary makes at most {len(combos)} documents")
    return combos[:count]


def title_of(combo: tuple[int, int, int], variant: int = 0) -> str:
    p, s, a = combo
    return ASPECTS[a][variant].format(p=PLACES[p], s=SUBJECTS[s])


def answer_of(combo: tuple[int, int, int]) -> str:
    p, s, a = combo
    return f"{PLACES[p]}的{SUBJECTS[s]}:{ANSWER_TAILS[(p + s + a) % len(ANSWER_TAILS)]}"


async def _fill(combos: list[tuple[int, int, int]], faq_count: int, kind: str):
    """FAQ entries and answered questions as the app stores them; the index built."""
    from portal.domain.candidates.tables import Candidate
    from portal.domain.faq.index import faq_index_rebuild
    from portal.domain.faq.search import Reader
    from portal.domain.organisation.tables import Cohort, Department, Stage
    from portal.domain.resources.tables import Resource
    from portal.domain.rooms.tables import Room, RoomMessage, RoomQuestion
    from portal.domain.staff.tables import StaffUser

    now = datetime.now(UTC)
    department = Department(name="生产部")
    await department.save()
    cohort = Cohort(
        name="12月第3期", department=department.id, starts_at=now + timedelta(days=14),
        place="苏州培训中心", timezone="Asia/Shanghai", capacity=30,
    )  # fmt: skip
    await cohort.save()
    asker = Candidate(
        name="张三", phone="13900000001", department=department.id, cohort=cohort.id,
        ordinal=1, stage=(await Stage.select(Stage.id).first())["id"],
    )  # fmt: skip
    await asker.save()
    staff = StaffUser(email="hr@example.com", role="hr", password_hash="x", name="HR")
    await staff.save()
    room = Room(name="12月第3期", cohort=cohort.id)
    await room.save()
    faqs, questions = combos[:faq_count], combos[faq_count:]
    for start in range(0, len(faqs), 500):
        await Resource.insert(
            *[
                Resource(
                    kind="faq",
                    title=title_of(c),
                    body=answer_of(c),
                    audience="everyone",
                    status="published",
                    published_at=now,
                    sort_order=i,
                )  # fmt: skip
                for i, c in enumerate(faqs[start : start + 500], start=start)
            ]
        )
    for start in range(0, len(questions), 250):
        batch = questions[start : start + 250]
        asked = await RoomMessage.insert(
            *[
                RoomMessage(
                    room=room.id,
                    author_candidate=asker.id,
                    author_key=f"c{asker.id}",
                    client_id=uuid.uuid4().hex,
                    kind="question",
                    body=title_of(c),
                )  # fmt: skip
                for c in batch
            ]
        ).returning(RoomMessage.id)
        answers = await RoomMessage.insert(
            *[
                RoomMessage(
                    room=room.id,
                    author_staff=staff.id,
                    author_key=f"s{staff.id}",
                    client_id=uuid.uuid4().hex,
                    kind="answer",
                    body=answer_of(c),
                    reply_to=q["id"],
                )  # fmt: skip
                for c, q in zip(batch, asked, strict=True)
            ]
        ).returning(RoomMessage.id)
        await RoomQuestion.insert(
            *[
                RoomQuestion(
                    message=q["id"],
                    room=room.id,
                    asker=asker.id,
                    deadline_at=now,
                    status="answered",
                    answered_at=now,
                    answered_by=staff.id,
                    answer_message_id=a["id"],
                )  # fmt: skip
                for q, a in zip(asked, answers, strict=True)
            ]
        )
    started = time.perf_counter()
    indexed = await faq_index_rebuild()
    print(f"  indexed {indexed} documents in {time.perf_counter() - started:.1f} s")
    # What autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) does on a live database:
    # statistics for the planner, and (PostgreSQL) the visibility map index-only scans need.
    await Resource.raw("VACUUM ANALYZE" if kind == "postgres" else "ANALYZE").run()
    return Reader(department=department.id, cohort=cohort.id)


def queries(combos: list[tuple[int, int, int]], count: int) -> list[tuple[str, str | None]]:
    """(query, the expected document's title or None), paraphrases first."""
    rng = random.Random(3)
    paraphrases = round(count * 0.8)
    chosen: list[tuple[str, str | None]] = []
    for _ in range(paraphrases):
        combo = rng.choice(combos)
        chosen.append((title_of(combo, rng.choice((1, 2))), title_of(combo)))
    for i in range(count - paraphrases):
        p, s, _a = rng.choice(combos)
        kind = i % 3
        if kind == 0:
            chosen.append((SUBJECTS[s][:2], None))
        elif kind == 1:
            chosen.append((f"{PLACES[p]}{SUBJECTS[s]}", None))
        else:
            chosen.append(("火星上的外卖配送怎么收费", None))
    return chosen


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def run(kind: str, documents: int, query_count: int) -> bool:
    from portal.db import bind_engine, close_engine, create_engine, migrate, prepare_engine
    from portal.domain.faq.search import faq_search
    from portal.domain.faq.tables import FaqDoc

    directory = Path(tempfile.mkdtemp(prefix="faq-bench-"))
    drop = None
    if kind == "sqlite":
        url = f"sqlite:///{directory / 'bench.db'}"
    else:
        import asyncpg

        name = f"onramp_bench_{uuid.uuid4().hex[:10]}"
        admin = "postgres://postgres@127.0.0.1:5432/postgres"
        connection = await asyncpg.connect(admin)
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"

        async def drop() -> None:
            connection = await asyncpg.connect(admin)
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.close()

    engine = create_engine(url)
    bind_engine(engine)
    try:
        await prepare_engine(engine)
        await migrate()
        print(f"{kind}:")
        combos = corpus(documents)
        reader = await _fill(combos, faq_count=documents * 3 // 5, kind=kind)
        asked = queries(combos, query_count)
        for query, _expected in asked[:20]:  # warm caches and the pool
            await faq_search(query, reader, limit=3)
        timings, reference, round_trips, hits, scored = [], [], [], 0, 0
        for query, expected in asked:
            started = time.perf_counter()
            found = await faq_search(query, reader, limit=3)
            timings.append((time.perf_counter() - started) * 1000)
            if expected is not None:
                scored += 1
                hits += expected in [m.title for m in found]
            started = time.perf_counter()
            await FaqDoc.raw(
                "SELECT id, title FROM faq_doc WHERE title LIKE {} OR answer LIKE {} LIMIT 3",
                f"%{query[:2]}%",
                f"%{query[:2]}%",
            ).run()
            reference.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await FaqDoc.raw("SELECT 1").run()
            round_trips.append((time.perf_counter() - started) * 1000)
        recall = hits / scored if scored else 0.0
        query_p95 = p95(timings)
        reference_p95 = p95(reference)
        ok = query_p95 <= P95_TARGET_MS and recall >= RECALL_TARGET
        print(
            f"  {len(asked)} queries: p95 {query_p95:.2f} ms (median "
            f"{sorted(timings)[len(timings) // 2]:.2f} ms; reference LIKE scan p95 "
            f"{reference_p95:.2f} ms, ratio {query_p95 / reference_p95:.1f}x; one round trip "
            f"(SELECT 1) p95 {p95(round_trips):.2f} ms) "
            f"[target <= {P95_TARGET_MS:.0f} ms]"
        )
        print(
            f"  recall@3 on {scored} paraphrases: {recall:.3f} [target >= {RECALL_TARGET}]"
            f"  {'PASS' if ok else 'FAIL'}"
        )
        return ok
    finally:
        await close_engine(engine)
        if drop is not None:
            await drop()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    results = [await run(kind, args.documents, args.queries) for kind in kinds]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
