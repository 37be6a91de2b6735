"""Check-in taps spread over two ``onramp serve`` workers still award once a day."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from portal.domain.candidates.login_links import login_link_create
from portal.domain.learning.tables import PointEntry
from tests.factories import make_candidate, tap_login_link
from tests.live_servers import onramp_server
from tests.room.helpers import REDIS_URL, redis_running


async def test_twenty_simultaneous_taps_through_two_workers_award_once(database_url):
    if not redis_running():
        pytest.skip("two workers share sessions through Redis")
    env = {"ONRAMP_REDIS_URL": REDIS_URL, "ONRAMP_REDIS_NAMESPACE": f"t{uuid.uuid4().hex}"}
    candidate = await make_candidate()
    with onramp_server(database_url, env=env, workers=2) as base_url:
        link = await login_link_create(candidate_id=candidate.id)
        async with httpx.AsyncClient(base_url=base_url) as signing_in:
            await tap_login_link(signing_in, link[link.index("/login/") :])
            await signing_in.get("/")
            cookies = dict(signing_in.cookies)

        async def tap() -> tuple[int, str]:
            # A connection each, so the workers' accept loops share them out.
            async with httpx.AsyncClient(base_url=base_url, cookies=cookies) as phone:
                response = await phone.post(
                    "/checkin", data={"_csrf_token": cookies["onramp_csrf"]}
                )
                return response.status_code, response.headers.get("location", "")

        statuses = await asyncio.gather(*(tap() for _ in range(20)))
    assert set(statuses) == {(303, "/#checkin")}
    rows = await PointEntry.select(PointEntry.source_key).where(
        PointEntry.candidate == candidate.id
    )
    assert len(rows) == 1 and rows[0]["source_key"].startswith("checkin:")
