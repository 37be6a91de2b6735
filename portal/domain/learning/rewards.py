"""Rewards: HR's catalogue, candidates' redemptions, fulfilment and cancellation.

A redemption is one write transaction: take one item of stock with a conditional
UPDATE (``stock > 0``), then check the balance (SUM of the ledger) and the
per-candidate limit, then charge the ledger. Any refusal rolls the stock back.
SQLite's IMMEDIATE transactions serialise writers; on PostgreSQL the reward row's
lock serialises redemptions of one reward and the candidate row's lock
(:func:`candidate_points_lock`) serialises one candidate's spending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import PreparedSQL, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import Conflict, NotFound, ValidationFailed
from portal.domain.journeys.events import journey_event
from portal.domain.learning.media_urls import media_url_check
from portal.domain.learning.points import candidate_points_lock, point_entry_append, points_balance
from portal.domain.learning.tables import Redemption, Reward
from portal.i18n import gettext as _

_WHOLE_NUMBER = re.compile(r"^\d{1,7}$", re.ASCII)


@dataclass(frozen=True)
class RewardInput:
    """A reward as typed into the form: numbers are still text."""

    name: str
    price: str | int
    stock: str | int
    per_candidate_limit: str | int = 1
    description: str = ""
    is_active: bool = True
    picture_url: str = ""


def _number(raw: str | int, errors: dict[str, str], field: str, *, minimum: int) -> int:
    text = str(raw).strip()
    if not _WHOLE_NUMBER.match(text) or int(text) < minimum:
        errors[field] = (
            _("Enter a whole number greater than 0.")
            if minimum
            else _("Enter a whole number, 0 or more.")
        )
        return minimum
    return int(text)


def _check_reward(data: RewardInput) -> dict[str, object]:
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = _("Please enter a name.")
    elif len(name) > 100:
        errors["name"] = _("A name can be at most 100 characters long.")
    values = {
        "name": name,
        "description": data.description.strip(),
        "price": _number(data.price, errors, "price", minimum=1),
        "stock": _number(data.stock, errors, "stock", minimum=0),
        "per_candidate_limit": _number(
            data.per_candidate_limit, errors, "per_candidate_limit", minimum=0
        ),
        "is_active": data.is_active,
        "picture_url": media_url_check(data.picture_url, errors, "picture_url"),
    }
    if errors:
        raise ValidationFailed(errors)
    return values


async def reward_create(*, data: RewardInput) -> Reward:
    reward = Reward(**_check_reward(data))
    async with write_transaction():
        await reward.save()
    return reward


async def reward_update(*, reward_id: int, data: RewardInput) -> None:
    values = _check_reward(data)
    async with write_transaction():
        if not await Reward.exists().where(Reward.id == reward_id):
            raise NotFound(_("This reward does not exist."))
        await Reward.update(values).where(Reward.id == reward_id)


async def reward_get(*, reward_id: int) -> Reward:
    reward = await Reward.objects().get(Reward.id == reward_id)
    if reward is None:
        raise NotFound(_("This reward does not exist."))
    return reward


async def rewards_catalogue(*, active_only: bool) -> list[Reward]:
    query = Reward.objects().order_by(Reward.price)
    if active_only:
        query = query.where(Reward.is_active == True)  # noqa: E712 - a Piccolo expression
    return await query


@dataclass(frozen=True, slots=True)
class CatalogueReward:
    """An active reward as the candidate's catalogue shows it."""

    id: int
    name: str
    description: str
    picture_url: str
    price: int
    stock: int


@dataclass(frozen=True, slots=True)
class MyRedemption:
    reward_name: str
    points: int
    status: str


@dataclass(frozen=True)
class CandidateRewards:
    rewards: list[CatalogueReward]
    balance: int
    mine: list[MyRedemption]


# The rewards page in two queries, each compiled once (PreparedSQL): the active rewards,
# cheapest first, with the candidate's balance on every row (one row without rewards: the
# balance still comes); then their last 200 redemptions with each reward's name.
_CATALOGUE = PreparedSQL(
    "SELECT (SELECT sum(pe.amount) FROM point_entry pe WHERE pe.candidate = {}) AS balance, "
    "r.id AS id, r.name AS name, r.description AS description, "
    "r.picture_url AS picture_url, r.price AS price, r.stock AS stock "
    "FROM (SELECT 1 AS one) page LEFT JOIN reward r ON r.is_active = {} "
    "ORDER BY r.price, r.id"
)
_MY_REDEMPTIONS = PreparedSQL(
    "SELECT r.name AS reward_name, x.points AS points, x.status AS status "
    "FROM redemption x JOIN reward r ON r.id = x.reward "
    "WHERE x.candidate = {} ORDER BY x.id DESC LIMIT 200"
)


async def candidate_rewards(*, candidate_id: int) -> CandidateRewards:
    """What the candidate's rewards page shows: the catalogue, their balance, their requests."""
    rows = await _CATALOGUE.rows(candidate_id, True)
    mine = await _MY_REDEMPTIONS.rows(candidate_id)
    return CandidateRewards(
        rewards=[
            CatalogueReward(**{key: value for key, value in row.items() if key != "balance"})
            for row in rows
            if row["id"] is not None
        ],
        balance=int(rows[0]["balance"] or 0),
        mine=[MyRedemption(**row) for row in mine],
    )


CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


async def reward_redeem(
    *, candidate_id: int, reward_id: int, client_key: str | None = None
) -> Redemption:
    """Spend points on one item; Conflict with a message when it cannot be done.

    ``client_key``: the redeem form's one-time key. The same key again (a double tap, the
    form re-sent by the phone's offline queue) returns the redemption it made, and charges
    nothing more. Checked after the candidate's lock, so the second waits for the first.
    """
    if client_key is not None and not CLIENT_KEY.match(client_key):
        client_key = None  # not a key this app's form makes: redeem as if none came
    async with write_transaction():
        await candidate_points_lock(candidate_id=candidate_id)
        if client_key is not None:
            done = await Redemption.objects().get(
                (Redemption.candidate == candidate_id) & (Redemption.client_key == client_key)
            )
            if done is not None:
                return done
        taken = (
            await Reward.update({Reward.stock: Reward.stock - 1})
            .where((Reward.id == reward_id) & (Reward.stock > 0) & (Reward.is_active == True))  # noqa: E712
            .returning(Reward.id, Reward.name, Reward.price, Reward.per_candidate_limit)
        )
        if not taken:
            if not await Reward.exists().where(Reward.id == reward_id):
                raise NotFound(_("This reward does not exist."))
            raise Conflict(_("Sorry, this reward is out of stock."))
        reward = taken[0]
        # Raising inside the transaction rolls the stock back.
        if reward["per_candidate_limit"]:
            mine = await Redemption.count().where(
                (Redemption.candidate == candidate_id)
                & (Redemption.reward == reward_id)
                & (Redemption.status != "cancelled")
            )
            if mine >= reward["per_candidate_limit"]:
                raise Conflict(_("You have already redeemed this reward as often as allowed."))
        if await points_balance(candidate_id=candidate_id) < reward["price"]:
            raise Conflict(_("You do not have enough points for this reward."))
        redemption = Redemption(
            reward=reward_id,
            candidate=candidate_id,
            points=reward["price"],
            client_key=client_key,
        )
        await redemption.save()
        await point_entry_append(
            candidate_id=candidate_id,
            amount=-reward["price"],
            reason=reward["name"],
            source_key=f"redemption:{redemption.id}",
        )
    return redemption


async def redemption_fulfil(*, redemption_id: int) -> None:
    async with write_transaction():
        done = (
            await Redemption.update(
                {Redemption.status: "fulfilled", Redemption.closed_at: datetime.now(UTC)}
            )
            .where((Redemption.id == redemption_id) & (Redemption.status == "requested"))
            .returning(Redemption.candidate, Redemption.reward)
        )
        if done:
            reward = await Reward.select(Reward.name).where(Reward.id == done[0]["reward"])
            await journey_event(
                event="reward_fulfilled",
                candidate_id=done[0]["candidate"],
                ref=f"r{redemption_id}",
                values={"reward": reward[0]["name"] if reward else ""},
            )
    if not done:
        raise Conflict(_("Only a requested redemption can be fulfilled."))


async def redemption_cancel(*, redemption_id: int) -> None:
    """Cancel a requested redemption: refund its points through the ledger and restock."""
    async with write_transaction():
        done = (
            await Redemption.update(
                {Redemption.status: "cancelled", Redemption.closed_at: datetime.now(UTC)}
            )
            .where((Redemption.id == redemption_id) & (Redemption.status == "requested"))
            .returning(Redemption.reward, Redemption.candidate, Redemption.points)
        )
        if not done:
            raise Conflict(_("Only a requested redemption can be cancelled."))
        row = done[0]
        await Reward.update({Reward.stock: Reward.stock + 1}).where(Reward.id == row["reward"])
        await point_entry_append(
            candidate_id=row["candidate"],
            amount=row["points"],
            reason=_("Refund"),
            source_key=f"refund:{redemption_id}",
        )


@dataclass(frozen=True)
class RedemptionRow:
    redemption: Redemption
    reward_name: str
    candidate_name: str


async def redemptions_list(*, candidate_id: int | None = None) -> list[RedemptionRow]:
    query = Redemption.objects().order_by(Redemption.id, ascending=False).limit(200)
    if candidate_id is not None:
        query = query.where(Redemption.candidate == candidate_id)
    redemptions = await query
    if not redemptions:
        return []
    rewards = {
        r["id"]: r["name"]
        for r in await Reward.select(Reward.id, Reward.name).where(
            Reward.id.is_in([x.reward for x in redemptions])
        )
    }
    candidates = {
        c["id"]: c["name"]
        for c in await Candidate.select(Candidate.id, Candidate.name).where(
            Candidate.id.is_in([x.candidate for x in redemptions])
        )
    }
    return [
        RedemptionRow(
            redemption=x,
            reward_name=rewards.get(x.reward, ""),
            candidate_name=candidates.get(x.candidate, ""),
        )
        for x in redemptions
    ]
