"""Talent pool: bulk needs for 1,000 entries, withdrawals, a recall tick, anonymisation.

For each ``--database`` (SQLite, PostgreSQL or both), on a fresh database in one run:

- **withdraw**: ``--entries`` candidates withdrawn one by one through
  ``candidate_set_status`` (reason, needs, consent: the record the pool keeps);
- **bulk needs**: two needs added to every entry in one transaction (``needs_bulk_add``);
- **recall tick**: every entry due for its day-30 check-in, one ``recalls_send_due``
  (SMS configured, nothing leaves: the relay is not running), i.e. ``--entries`` outbox rows;
- **anonymise**: ``--anonymise`` candidates anonymised (every text column searched).

As a reference, in the same run: one plain multi-row INSERT of 1,000 rows into a scratch
table (as ``bench/imports.py``). Prints ms per operation and the ratio to the reference.
Only 127.0.0.1 is ever contacted (PostgreSQL).

Run:   python bench/talent.py                 (SQLite and PostgreSQL)
       python bench/talent.py --database sqlite --entries 1000 --anonymise 20
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from imports import _organisation, _reference_seconds
from room_fanout import PROJECT_ROOT, _forget_settings, bench_database, onramp_environment


async def _measure(args: argparse.Namespace) -> dict[str, tuple[float, int]]:
    from portal.domain.candidates.records import (
        CandidateInput,
        candidate_create,
        candidate_set_status,
    )
    from portal.domain.organisation.tables import Department
    from portal.domain.talent.anonymise import candidate_anonymise
    from portal.domain.talent.pool import needs_bulk_add
    from portal.domain.talent.recalls import recalls_send_due
    from portal.domain.talent.tables import TalentEntry
    from portal.domain.talent.withdrawal import WithdrawalInput

    department = await Department.select(Department.id).first()
    ids = []
    for number in range(args.entries):
        candidate = await candidate_create(
            data=CandidateInput(
                name=f"候选人{number}", phone=f"137{number:08d}", department_id=department["id"]
            ),
            source="bench",
        )
        ids.append(candidate.id)
    figures: dict[str, tuple[float, int]] = {}
    started = time.perf_counter()
    for candidate_id in ids:
        await candidate_set_status(
            candidate_id=candidate_id,
            status="withdrawn",
            withdrawal=WithdrawalInput(
                reason_code="salary", text="工资低", needs="弹性工作", consent=True
            ),
        )
    figures["withdraw (each)"] = (time.perf_counter() - started, args.entries)
    entry_ids = [row["id"] for row in await TalentEntry.select(TalentEntry.id)]
    started = time.perf_counter()
    added = await needs_bulk_add(
        entry_ids=entry_ids, needs="培训机会、晋升路径", department_scope=None
    )
    figures[f"bulk needs ({len(entry_ids):,} entries)"] = (time.perf_counter() - started, 1)
    assert added == 2 * len(entry_ids)
    started = time.perf_counter()
    tick = await recalls_send_due(now=datetime.now(UTC) + timedelta(days=31))
    figures[f"recall tick ({tick.sent:,} sent)"] = (time.perf_counter() - started, 1)
    started = time.perf_counter()
    for candidate_id in ids[: args.anonymise]:
        await candidate_anonymise(candidate_id=candidate_id, now=datetime.now(UTC))
    figures["anonymise (each)"] = (time.perf_counter() - started, args.anonymise)
    return figures


async def one_database(database: str, args: argparse.Namespace) -> dict[str, tuple[float, int]]:
    var_dir = Path(tempfile.mkdtemp(prefix="onramp-talent-bench-"))
    database_url, drop_database = await bench_database(database, var_dir)
    try:
        env = onramp_environment(var_dir, 8000, "staff", database_url=database_url)
        env["ONRAMP_SMS_URL"] = "http://127.0.0.1:9/sms"
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
        await _organisation()
        figures = {"reference (INSERT 1,000 rows)": (await _reference_seconds(), 1)}
        figures.update(await _measure(args))
        await close_engine()
    finally:
        await drop_database()
        shutil.rmtree(var_dir, ignore_errors=True)
    return figures


def report(database: str, figures: dict[str, tuple[float, int]]) -> None:
    with open("/proc/loadavg") as handle:
        load = " ".join(handle.read().split()[:3])
    print()
    print(f"Talent pool, {database} (load {load}, {os.cpu_count()} CPUs)")
    reference = figures["reference (INSERT 1,000 rows)"][0]
    for name, (seconds, count) in figures.items():
        each = seconds / max(count, 1)
        print(f"  {name:<32}{1000 * each:>10.1f} ms{each / reference:>10.1f}x reference")


async def run(args: argparse.Namespace) -> None:
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for database in databases:
        report(
            "SQLite" if database == "sqlite" else "PostgreSQL", await one_database(database, args)
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--anonymise", type=int, default=20)
    args = parser.parse_args(argv)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
