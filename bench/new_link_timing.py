"""Does "get a new sign-in link" answer a known number as fast as an unknown one?

The page must not reveal whether a phone number belongs to a candidate, by its text or by
its timing. The lookup and the send run after the response (a background task), so both
answers should take the same time. This starts ``onramp serve`` on a throw-away SQLite
database with ``--count`` candidates, then posts the form alternately with a known and an
unknown number (each once, a fresh client each time: its CSRF cookie fetched untimed),
and prints the median and 90th percentile of both and their ratio. It then checks the
known numbers' requests were acted on (here: waiting for HR, as no SMS is configured).

Run: python bench/new_link_timing.py [--count 120]
Only 127.0.0.1 is contacted. Exits 1 when the medians differ by more than 25 %.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VAR_DIR = Path(tempfile.mkdtemp(prefix="onramp-bench-newlink-"))
ENV = {
    "ONRAMP_VAR_DIR": str(VAR_DIR),
    "ONRAMP_DATABASE_URL": f"sqlite:///{VAR_DIR / 'bench.db'}",
    "ONRAMP_LINK_REQUEST_MAX_PER_IP": "100000",
    "PICCOLO_CONF": "portal.piccolo_conf",
}
for key in [k for k in os.environ if k.startswith("ONRAMP_")]:
    del os.environ[key]
os.environ.update(ENV)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def populate(count: int) -> list[str]:
    from portal.db import migrate
    from portal.domain.candidates.records import CandidateInput, candidate_create
    from portal.domain.organisation.tables import Department

    await migrate()
    department = Department(name="生产部")
    await department.save()
    phones = [f"139{number:08d}" for number in range(1, count + 1)]
    for number, phone in enumerate(phones, 1):
        await candidate_create(
            data=CandidateInput(
                name=f"候选人{number}", phone=phone, email=None, department_id=department.id
            )
        )
    return phones


async def ask(base_url: str, phone: str) -> float:
    import httpx

    async with httpx.AsyncClient(base_url=base_url) as client:
        await client.get("/welcome")
        started = time.perf_counter()
        response = await client.post(
            "/signin/new-link",
            data={"phone": phone, "_csrf_token": client.cookies.get("onramp_csrf")},
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        return elapsed


async def main(count: int) -> int:
    known_phones = await populate(count)
    unknown_phones = [f"138{number:08d}" for number in range(1, count + 1)]
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ONRAMP_BASE_URL": base_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "onramp.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
        for warm in range(5):
            await ask(base_url, f"137{warm:08d}")
        known, unknown = [], []
        for known_phone, unknown_phone in zip(known_phones, unknown_phones, strict=True):
            known.append(await ask(base_url, known_phone))
            unknown.append(await ask(base_url, unknown_phone))
        await asyncio.sleep(1)
        from portal.domain.candidates.tables import LinkRequest

        acted_on = await LinkRequest.count()
    finally:
        server.terminate()
        server.wait(timeout=20)

    def ms(values: list[float], q: float) -> float:
        return (
            1000 * statistics.quantiles(values, n=10)[8]
            if q == 0.9
            else 1000 * statistics.median(values)
        )

    ratio = statistics.median(known) / statistics.median(unknown)
    print(f"requests: {count} known, {count} unknown numbers (SQLite, one worker)")
    print(f"known:   median {ms(known, 0.5):.1f} ms, p90 {ms(known, 0.9):.1f} ms")
    print(f"unknown: median {ms(unknown, 0.5):.1f} ms, p90 {ms(unknown, 0.9):.1f} ms")
    print(f"ratio of medians known/unknown: {ratio:.2f}")
    print(f"known numbers' requests acted on (waiting for HR): {acted_on}/{count}")
    ok = 0.8 <= ratio <= 1.25 and acted_on == count
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=120)
    sys.exit(asyncio.run(main(parser.parse_args().count)))
