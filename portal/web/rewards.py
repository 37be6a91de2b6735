"""Candidate rewards page: the catalogue, my balance and my redemptions."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
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
            # Each redeem form sends this with its reward's id (see reward_redeem).
            "redeem_key": uuid.uuid4().hex,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@get("/rewards", name="rewards")
async def rewards_page(candidate_id: NamedDependency[int]) -> Template:
    return await _rewards_page(candidate_id)


@post("/rewards/{reward_id:int}/redeem", name="reward-redeem")
async def reward_redeem_page(
    request: Request[Any, Any, Any], candidate_id: NamedDependency[int], reward_id: FromPath[int]
) -> Template | Redirect:
    form = await request.form()
    client_key = form.get("client_key")
    try:
        await reward_redeem(
            candidate_id=candidate_id,
            reward_id=reward_id,
            client_key=client_key if isinstance(client_key, str) else None,
        )
    except Conflict as refused:
        return await _rewards_page(candidate_id, error=str(refused), status_code=409)
    return Redirect("/rewards?redeemed=1", status_code=HTTP_303_SEE_OTHER)
