"""Candidate rewards page: the catalogue, my balance and my redemptions."""

from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.domain.errors import Conflict
from portal.domain.learning.rewards import candidate_rewards, reward_redeem


async def _rewards_page(candidate_id: int, *, error: str = "", status_code: int = 200) -> Template:
    page = await candidate_rewards(candidate_id=candidate_id)
    return Template(
        "portal/learning/rewards.html",
        context={
            "rewards": page.rewards,
            "balance": page.balance,
            "mine": page.mine,
            "error": error,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@get("/rewards", name="rewards")
async def rewards_page(candidate_id: NamedDependency[int]) -> Template:
    return await _rewards_page(candidate_id)


@post("/rewards/{reward_id:int}/redeem", name="reward-redeem")
async def reward_redeem_page(
    candidate_id: NamedDependency[int], reward_id: FromPath[int]
) -> Template | Redirect:
    try:
        await reward_redeem(candidate_id=candidate_id, reward_id=reward_id)
    except Conflict as refused:
        return await _rewards_page(candidate_id, error=str(refused), status_code=409)
    return Redirect("/rewards?redeemed=1", status_code=HTTP_303_SEE_OTHER)
