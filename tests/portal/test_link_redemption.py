"""Redeeming a sign-in link: one conditional UPDATE decides, and says why it refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.candidates.login_links import (
    LinkProblem,
    LoginLinkRefused,
    login_link_create,
    login_link_redeem,
)
from portal.domain.candidates.records import candidate_set_status
from portal.domain.candidates.tables import LoginLink
from tests.factories import make_candidate


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def _problem(token: str) -> LinkProblem:
    with pytest.raises(LoginLinkRefused) as refused:
        await login_link_redeem(token)
    return refused.value.problem


async def test_of_simultaneous_redemptions_of_one_link_exactly_one_signs_in():
    candidate = await make_candidate()
    token = _token(await login_link_create(candidate_id=candidate.id))
    results = await asyncio.gather(
        *(login_link_redeem(token) for _ in range(8)), return_exceptions=True
    )
    assert [result for result in results if result == candidate.id] == [candidate.id]
    refused = [result for result in results if isinstance(result, LoginLinkRefused)]
    assert {error.problem for error in refused} == {LinkProblem.USED} and len(refused) == 7


async def test_each_refusal_says_why():
    candidate = await make_candidate()
    used = _token(await login_link_create(candidate_id=candidate.id))
    assert await login_link_redeem(used) == candidate.id
    assert await _problem(used) is LinkProblem.USED
    expired = _token(await login_link_create(candidate_id=candidate.id))
    await LoginLink.update({LoginLink.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        LoginLink.used_at.is_null()
    )
    assert await _problem(expired) is LinkProblem.EXPIRED
    assert await _problem("no-such-token") is LinkProblem.UNKNOWN
    assert await _problem("x" * 101) is LinkProblem.UNKNOWN


async def test_a_withdrawn_candidates_link_stays_unused_and_works_once_they_are_back():
    candidate = await make_candidate()
    token = _token(await login_link_create(candidate_id=candidate.id))
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="另有工作")
    assert await _problem(token) is LinkProblem.WITHDRAWN
    assert (await LoginLink.select(LoginLink.used_at).first())["used_at"] is None
    await candidate_set_status(candidate_id=candidate.id, status="active")
    assert await login_link_redeem(token) == candidate.id
    assert (await LoginLink.select(LoginLink.used_at).first())["used_at"] is not None
