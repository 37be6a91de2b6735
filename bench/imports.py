"""Candidate imports: seconds per 1,000 rows for the API bulk upsert and the CSV import.

For each ``--database`` (SQLite, PostgreSQL or both), on a fresh database in one run:

- **API**: ``PUT /api/v1/candidates`` through the real application (in this process,
  over ``httpx.ASGITransport``: JSON decoding, the token guard, the handler), with
  ``--batches`` requests of 1,000 new candidates each (names, positions, cohorts,
  stages, tags), then the same requests again (all "unchanged"), then again with every
  phone and stage changed (all "updated");
- **CSV**: the import service the admin pages call: preview (read and check the file)
  and confirm (check again and create), for a file of 1,000 rows and one of
  ``--csv-rows`` (10,000 by default, the limit).

As a reference, in the same run: one plain multi-row INSERT of 1,000 rows into a scratch
table through the same engine, so a loaded machine shows as a larger reference too.

Prints milliseconds per 1,000 rows and PASS/FAIL against the target (<= 1 s per 1,000
rows for API upserts and CSV confirms). Exits 0 unless the benchmark failed.
Only 127.0.0.1 is ever contacted (PostgreSQL).

Run:   python bench/imports.py                      (SQLite and PostgreSQL)
       python bench/imports.py --database sqlite --csv-rows 1000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from room_fanout import PROJECT_ROOT, _forget_settings, bench_database, onramp_environment

TARGET_SECONDS_PER_1000 = 1.0
STAGES = ("offer_sent", "background_check", "pre_start", "training")


def _offer(number: int, *, changed: bool = False) -> dict[str, object]:
    return {
        "external_id": f"ATS-{number}",
        "name": f"候选人{number}",
        "phone": f"13{'9' if changed else '7'}{number:08d}",
        "department": "生产部",
        "email": f"c{number}@example.com",
        "position": "装配工",
        "cohort": "12月第3期",
        "stage": STAGES[(number + changed) % len(STAGES)],
        "tags": ["技术类"] if number % 3 else ["技术类", "关注职业发展"],
    }


def _csv(first: int, count: int) -> bytes:
    lines = ["姓名,手机号,邮箱,部门,岗位,培训批次,外部编号,标签"]
    for number in range(first, first + count):
        lines.append(
            f"导入{number},136{number:08d},i{number}@example.com,生产部,装配工,12月第3期,"
            f"CSV-{number},{'技术类' if number % 2 else ''}"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


async def _organisation() -> int:
    from datetime import UTC, datetime, timedelta

    from portal.domain.organisation.tables import Cohort, Department, Position
    from portal.domain.staff.accounts import staff_create

    department = Department(name="生产部")
    await department.save()
    await Position(name="装配工", department=department.id).save()
    await Cohort(
        name="12月第3期",
        department=department.id,
        starts_at=datetime.now(UTC) + timedelta(days=14),
        place="苏州培训中心",
        timezone="Asia/Shanghai",
        capacity=100000,
    ).save()
    staff = await staff_create(
        email="bench-hr@example.com", role="hr", name="基准", password="bench-password-123"
    )
    return staff.id


async def _reference_seconds() -> float:
    from portal.db import write_transaction
    from portal.domain.candidates.tables import Candidate

    await Candidate.raw("CREATE TABLE IF NOT EXISTS bench_scratch (a INTEGER, b VARCHAR(40))")
    values = ", ".join(["({}, {})"] * 1000)
    args = [value for number in range(1000) for value in (number, f"row {number}")]
    started = time.perf_counter()
    async with write_transaction():
        await Candidate.raw(f"INSERT INTO bench_scratch (a, b) VALUES {values}", *args)
    seconds = time.perf_counter() - started
    await Candidate.raw("DROP TABLE bench_scratch")
    return seconds


async def _api(args: argparse.Namespace) -> dict[str, float]:
    import httpx

    from onramp.app import create_app
    from portal.domain.staff.api_tokens import api_token_create

    headers = {"Authorization": f"Bearer {await api_token_create(name='bench')}"}
    app = create_app()
    timings: dict[str, list[float]] = {"created": [], "unchanged": [], "updated": []}
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client,
    ):
        for result, changed in (("created", False), ("unchanged", False), ("updated", True)):
            for batch in range(args.batches):
                body = {
                    "candidates": [
                        _offer(number, changed=changed)
                        for number in range(batch * 1000, (batch + 1) * 1000)
                    ]
                }
                started = time.perf_counter()
                response = await client.put("/api/v1/candidates", json=body, headers=headers)
                timings[result].append(time.perf_counter() - started)
                if response.status_code != 200 or response.json()[result] != 1000:
                    raise RuntimeError(
                        f"API {result}: {response.status_code} {response.text[:300]}"
                    )
    return {result: sum(values) / len(values) for result, values in timings.items()}


async def _csv_import(rows: int, first: int, staff_id: int) -> tuple[float, float]:
    from litestar.stores.memory import MemoryStore

    from portal.domain.candidates.imports import candidate_import_confirm, candidate_import_preview

    store = MemoryStore()
    content = _csv(first, rows)
    started = time.perf_counter()
    preview = await candidate_import_preview(
        store=store, staff_id=staff_id, filename="bench.csv", content=content
    )
    preview_seconds = time.perf_counter() - started
    if not preview.can_import_all:
        raise RuntimeError(f"CSV preview found problems: {preview.invalid_rows[:2]}")
    started = time.perf_counter()
    result = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff_id, only_valid=False, confirmed=False
    )
    confirm_seconds = time.perf_counter() - started
    if result.outcome != "imported" or result.count != rows:
        raise RuntimeError(f"CSV confirm: {result.outcome} {result.count}")
    return preview_seconds, confirm_seconds


async def one_database(database: str, args: argparse.Namespace) -> dict[str, float]:
    var_dir = Path(tempfile.mkdtemp(prefix="onramp-imports-bench-"))
    database_url, drop_database = await bench_database(database, var_dir)
    try:
        env = onramp_environment(var_dir, 8000, "staff", database_url=database_url)
        subprocess.run(
            [sys.executable, "-m", "onramp.cli", "migrate"],
            cwd=PROJECT_ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for key in [key for key in os.environ if key.startswith("ONRAMP_")]:
            del os.environ[key]
        os.environ.update({k: v for k, v in env.items() if k.startswith("ONRAMP_")})
        os.environ["PICCOLO_CONF"] = env["PICCOLO_CONF"]
        if str(PROJECT_ROOT) not in sys.path:
            sys.path.insert(0, str(PROJECT_ROOT))
        _forget_settings()
        from portal.db import close_engine, prepare_engine

        await prepare_engine()
        staff_id = await _organisation()
        figures = {"reference": await _reference_seconds()}
        api = await _api(args)
        await prepare_engine()  # the app's lifespan closed the pool
        figures.update({f"api {name}": seconds for name, seconds in api.items()})
        preview, confirm = await _csv_import(1000, 1, staff_id)
        figures["csv 1,000 preview"], figures["csv 1,000 confirm"] = preview, confirm
        if args.csv_rows > 1000:
            preview, confirm = await _csv_import(args.csv_rows, 100000, staff_id)
            scale = 1000 / args.csv_rows
            figures[f"csv {args.csv_rows:,} preview"] = preview * scale
            figures[f"csv {args.csv_rows:,} confirm"] = confirm * scale
            figures[f"csv {args.csv_rows:,} total s"] = preview + confirm
        await close_engine()
    finally:
        await drop_database()
        shutil.rmtree(var_dir, ignore_errors=True)
    return figures


def report(database: str, figures: dict[str, float]) -> None:
    with open("/proc/loadavg") as handle:
        load = " ".join(handle.read().split()[:3])
    print()
    print(f"Imports, {database}: ms per 1,000 rows (load {load}, {os.cpu_count()} CPUs)")
    reference = figures["reference"]
    for name, seconds in figures.items():
        if name.endswith("total s"):
            print(f"  {name:<28}{seconds:>10.2f} s for the whole file")
            continue
        print(f"  {name:<28}{1000 * seconds:>10.0f} ms{seconds / reference:>10.1f}x reference")
    for name, seconds in figures.items():
        if name.startswith("api") or name.endswith("confirm"):
            verdict = "PASS" if seconds <= TARGET_SECONDS_PER_1000 else "FAIL"
            print(f"{verdict}: {database} {name}: {seconds:.2f} s per 1,000 rows (target <= 1 s)")


async def run(args: argparse.Namespace) -> None:
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for database in databases:
        report(
            "SQLite" if database == "sqlite" else "PostgreSQL", await one_database(database, args)
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--batches", type=int, default=3, help="API requests of 1,000 each")
    parser.add_argument("--csv-rows", type=int, default=10000)
    args = parser.parse_args(argv)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
