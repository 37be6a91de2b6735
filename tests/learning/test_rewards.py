import asyncio

import pytest

from portal.domain.errors import Conflict
from portal.domain.learning.points import point_entry_append, points_balance
from portal.domain.learning.rewards import redemption_cancel, reward_redeem
from portal.domain.learning.tables import Redemption, Reward
from tests.factories import make_candidate, sign_in_candidate
from tests.learning.helpers import make_reward


async def _with_points(points: int, **kwargs):
    candidate = await make_candidate(**kwargs)
    await point_entry_append(
        candidate_id=candidate.id, amount=points, reason="test", source_key="course:test"
    )
    return candidate


async def _redeem(client, reward_id):
    return await client.post(
        f"/rewards/{reward_id}/redeem",
        data={"_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )


async def test_redeeming_charges_the_ledger_and_takes_stock(client):
    candidate = await _with_points(30)
    await sign_in_candidate(client, candidate)
    reward = await make_reward(price=10, stock=2)
    await client.get("/rewards")
    response = await _redeem(client, reward.id)
    assert response.status_code == 303
    assert await points_balance(candidate_id=candidate.id) == 20
    assert (await Reward.objects().get(Reward.id == reward.id)).stock == 1
    page = await client.get("/rewards")
    assert "20" in page.text.split('data-testid="balance"')[1].split("</p>")[0]


async def test_a_reward_at_zero_stock_cannot_be_redeemed(client):
    candidate = await _with_points(30)
    await sign_in_candidate(client, candidate)
    reward = await make_reward(stock=0)
    await client.get("/rewards")
    response = await _redeem(client, reward.id)
    assert response.status_code == 409
    assert 'data-testid="error"' in response.text
    assert await points_balance(candidate_id=candidate.id) == 30
    assert await Redemption.count() == 0


async def test_not_enough_points_changes_nothing(client):
    candidate = await _with_points(5)
    await sign_in_candidate(client, candidate)
    reward = await make_reward(price=10, stock=3)
    await client.get("/rewards")
    response = await _redeem(client, reward.id)
    assert response.status_code == 409
    assert (await Reward.objects().get(Reward.id == reward.id)).stock == 3
    assert await points_balance(candidate_id=candidate.id) == 5


async def test_per_candidate_limit_is_enforced():
    candidate = await _with_points(100)
    reward = await make_reward(price=10, stock=5, limit=1)
    await reward_redeem(candidate_id=candidate.id, reward_id=reward.id)
    with pytest.raises(Conflict):
        await reward_redeem(candidate_id=candidate.id, reward_id=reward.id)
    assert await points_balance(candidate_id=candidate.id) == 90


async def test_racing_candidates_never_oversell_the_last_items():
    reward = await make_reward(price=10, stock=2)
    candidates = [await _with_points(10) for _ in range(6)]
    results = await asyncio.gather(
        *(reward_redeem(candidate_id=c.id, reward_id=reward.id) for c in candidates),
        return_exceptions=True,
    )
    assert sum(1 for r in results if isinstance(r, Redemption)) == 2
    assert all(isinstance(r, Redemption | Conflict) for r in results)
    assert (await Reward.objects().get(Reward.id == reward.id)).stock == 0
    assert await Redemption.count() == 2


async def test_racing_redemptions_never_overdraw_a_balance():
    candidate = await _with_points(25)
    rewards = [await make_reward(price=10, stock=5, name=f"券{n}") for n in range(6)]
    results = await asyncio.gather(
        *(reward_redeem(candidate_id=candidate.id, reward_id=r.id) for r in rewards),
        return_exceptions=True,
    )
    assert sum(1 for r in results if isinstance(r, Redemption)) == 2
    assert await points_balance(candidate_id=candidate.id) == 5
    stocks = [row["stock"] for row in await Reward.select(Reward.stock)]
    assert sum(stocks) == 6 * 5 - 2


async def test_cancelling_refunds_through_the_ledger_and_restocks_once():
    candidate = await _with_points(10)
    reward = await make_reward(price=10, stock=1)
    redemption = await reward_redeem(candidate_id=candidate.id, reward_id=reward.id)
    await redemption_cancel(redemption_id=redemption.id)
    with pytest.raises(Conflict):
        await redemption_cancel(redemption_id=redemption.id)
    assert await points_balance(candidate_id=candidate.id) == 10
    assert (await Reward.objects().get(Reward.id == reward.id)).stock == 1


async def test_redeeming_while_hr_cancels_a_redemption_of_the_same_reward():
    """The redemption holds its candidate, then the reward; the cancel holds the reward, then
    writes the refund for its own candidate. Neither waits for the other (no deadlock)."""
    reward = await make_reward(price=10, stock=20)
    for _ in range(5):
        earlier, now_redeeming = await _with_points(10), await _with_points(10)
        # The candidate whose redemption HR cancels also redeems again at the same moment.
        first = await reward_redeem(candidate_id=earlier.id, reward_id=reward.id)
        await point_entry_append(
            candidate_id=earlier.id, amount=10, reason="课", source_key=f"more:{first.id}"
        )
        results = await asyncio.gather(
            reward_redeem(candidate_id=now_redeeming.id, reward_id=reward.id),
            reward_redeem(candidate_id=earlier.id, reward_id=reward.id),
            redemption_cancel(redemption_id=first.id),
        )
        assert isinstance(results[0], Redemption) and isinstance(results[1], Redemption)
        assert await points_balance(candidate_id=earlier.id) == 10
        assert await points_balance(candidate_id=now_redeeming.id) == 0
    assert (await Reward.objects().get(Reward.id == reward.id)).stock == 20 - 5 * 2


async def test_the_same_redeem_form_sent_twice_redeems_once(client):
    """A double tap, or the phone's offline queue sending the form again: one redemption,
    charged once; a new page's form redeems again (the reward allows it)."""
    import re

    candidate = await _with_points(50)
    await sign_in_candidate(client, candidate)
    reward = await make_reward(price=10, stock=10)
    page = await client.get("/rewards")
    [key] = re.findall(rf'name="client_key" value="([0-9a-f]+-{reward.id})"', page.text)
    form = {"_csrf_token": client.cookies.get("onramp_csrf"), "client_key": key}
    sent = await asyncio.gather(
        *(client.post(f"/rewards/{reward.id}/redeem", data=form) for _ in range(3))
    )
    assert [response.status_code for response in sent] == [303, 303, 303]
    again = await client.post(f"/rewards/{reward.id}/redeem", data=form)
    assert again.status_code == 303
    assert await Redemption.count().where(Redemption.candidate == candidate.id) == 1
    assert await points_balance(candidate_id=candidate.id) == 40
    assert (await Reward.objects().get(Reward.id == reward.id)).stock == 9

    next_page = await client.get("/rewards")
    [new_key] = re.findall(rf'name="client_key" value="([0-9a-f]+-{reward.id})"', next_page.text)
    assert new_key != key
    form["client_key"] = new_key
    assert (await client.post(f"/rewards/{reward.id}/redeem", data=form)).status_code == 303
    assert await points_balance(candidate_id=candidate.id) == 30


@pytest.mark.parametrize("key", ["", "x" * 65, "<script>alert(1)</script>", "短", "a b c d e f"])
async def test_a_key_the_form_does_not_make_is_ignored(key):
    candidate = await _with_points(20)
    reward = await make_reward(price=10, stock=10)
    for _ in range(2):
        await reward_redeem(candidate_id=candidate.id, reward_id=reward.id, client_key=key)
    rows = await Redemption.select(Redemption.client_key).where(
        Redemption.candidate == candidate.id
    )
    assert [row["client_key"] for row in rows] == [None, None]
    assert await points_balance(candidate_id=candidate.id) == 0


async def test_another_candidates_key_does_not_return_their_redemption():
    first, second = await _with_points(10), await _with_points(10)
    reward = await make_reward(price=10, stock=10)
    mine = await reward_redeem(candidate_id=first.id, reward_id=reward.id, client_key="k" * 32)
    theirs = await reward_redeem(candidate_id=second.id, reward_id=reward.id, client_key="k" * 32)
    assert mine.id != theirs.id
    assert await points_balance(candidate_id=second.id) == 0
