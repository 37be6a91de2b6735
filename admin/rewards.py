"""Reward catalogue and redemptions for HR: create and edit rewards, fulfil or cancel.

Only admin and HR reach these pages; managers are refused (403).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_text
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.errors import Conflict, ValidationFailed
from portal.domain.learning.rewards import (
    RewardInput,
    redemption_cancel,
    redemption_fulfil,
    redemptions_list,
    reward_create,
    reward_get,
    reward_update,
    rewards_catalogue,
)
from portal.domain.staff.tables import StaffUser

REWARD_FIELDS = (
    "name",
    "description",
    "picture_url",
    "price",
    "stock",
    "per_candidate_limit",
    "is_active",
)


def _reward_input(values: dict[str, str]) -> RewardInput:
    return RewardInput(
        name=values["name"],
        description=values["description"],
        price=values["price"],
        stock=values["stock"],
        per_candidate_limit=values["per_candidate_limit"],
        is_active=values["is_active"] == "1",
        picture_url=values["picture_url"],
    )


def _form_page(
    staff: StaffUser,
    *,
    reward_id: int | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return admin_page(
        "admin/learning/reward_form.html",
        staff,
        status_code=status_code,
        reward_id=reward_id,
        values=values,
        errors=errors or {},
    )


async def _list_page(staff: StaffUser, *, error: str = "", status_code: int = 200) -> Template:
    return admin_page(
        "admin/learning/rewards.html",
        staff,
        status_code=status_code,
        rewards=await rewards_catalogue(active_only=False),
        redemptions=await redemptions_list(),
        error=error,
    )


class RewardController(Controller):
    path = "/learning/rewards"
    guards = [HR_ONLY]

    @get("/", name="admin-rewards")
    async def list_rewards(self, staff: NamedDependency[StaffUser]) -> Template:
        return await _list_page(staff)

    @get("/new", name="admin-reward-new")
    async def new_reward(self, staff: NamedDependency[StaffUser]) -> Template:
        values = dict.fromkeys(REWARD_FIELDS, "")
        values.update(per_candidate_limit="1", stock="0", is_active="1")
        return _form_page(staff, reward_id=None, values=values)

    @post("/new", name="admin-reward-create")
    async def create_reward(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        values = await form_text(request, *REWARD_FIELDS)
        try:
            await reward_create(data=_reward_input(values))
        except ValidationFailed as failed:
            return _form_page(
                staff, reward_id=None, values=values, errors=failed.errors, status_code=400
            )
        return Redirect("/admin/learning/rewards", status_code=HTTP_303_SEE_OTHER)

    @get("/{reward_id:int}/edit", name="admin-reward-edit")
    async def edit_reward(
        self, staff: NamedDependency[StaffUser], reward_id: FromPath[int]
    ) -> Template:
        reward = await reward_get(reward_id=reward_id)
        values = {
            "name": reward.name,
            "description": reward.description,
            "picture_url": reward.picture_url,
            "price": str(reward.price),
            "stock": str(reward.stock),
            "per_candidate_limit": str(reward.per_candidate_limit),
            "is_active": "1" if reward.is_active else "",
        }
        return _form_page(staff, reward_id=reward.id, values=values)

    @post("/{reward_id:int}/edit", name="admin-reward-update")
    async def update_reward(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        reward_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, *REWARD_FIELDS)
        try:
            await reward_update(reward_id=reward_id, data=_reward_input(values))
        except ValidationFailed as failed:
            return _form_page(
                staff, reward_id=reward_id, values=values, errors=failed.errors, status_code=400
            )
        return Redirect("/admin/learning/rewards", status_code=HTTP_303_SEE_OTHER)

    @post("/redemptions/{redemption_id:int}/{action:str}", name="admin-redemption-close")
    async def close_redemption(
        self,
        staff: NamedDependency[StaffUser],
        redemption_id: FromPath[int],
        action: FromPath[str],
    ) -> Template | Redirect:
        close = {"fulfil": redemption_fulfil, "cancel": redemption_cancel}.get(action)
        if close is None:
            return await _list_page(staff, status_code=404)
        try:
            await close(redemption_id=redemption_id)
        except Conflict as refused:
            return await _list_page(staff, error=str(refused), status_code=409)
        return Redirect("/admin/learning/rewards", status_code=HTTP_303_SEE_OTHER)
