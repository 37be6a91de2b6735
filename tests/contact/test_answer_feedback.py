""" "Was this helpful? 👍/👎": one click, once, by the asker; per responder in the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.domain.sla.tables import AnswerFeedback
from tests.contact.helpers import candidate_post, open_thread, questions_of, staff_post
from tests.factories import make_candidate, sign_in_candidate


async def _vote(client, question_id: int, helpful: str):
    return await client.post(
        f"/questions/{question_id}/feedback",
        data={"_csrf_token": client.cookies.get("onramp_csrf"), "helpful": helpful},
        follow_redirects=False,
    )


async def _answered_question(client, staff_client, candidate) -> tuple[int, int]:
    await sign_in_candidate(client, candidate)
    room_id = await open_thread(client)
    await candidate_post(client, room_id, "宿舍几人一间？")
    hr = await staff_client("hr")
    await staff_post(hr, room_id, "四人一间。")
    return room_id, (await questions_of(room_id))[0]["id"]


async def test_the_asker_rates_an_answer_once(client, staff_client):
    me = await make_candidate()
    room_id, question_id = await _answered_question(client, staff_client, me)
    page = await client.get(f"/rooms/{room_id}")
    assert f'action="/questions/{question_id}/feedback"' in page.text
    response = await _vote(client, question_id, "1")
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/rooms/{room_id}")
    # A second click (either thumb) changes nothing.
    assert (await _vote(client, question_id, "0")).status_code == 303
    votes = await AnswerFeedback.select()
    assert [(v["question"], v["helpful"], v["candidate"]) for v in votes] == [
        (question_id, True, me.id)
    ]
    assert votes[0]["responder"] is not None
    page = await client.get(f"/rooms/{room_id}")
    assert f'action="/questions/{question_id}/feedback"' not in page.text


async def test_only_the_asker_of_an_answered_question_may_rate(client, staff_client, app):
    import httpx

    asker = await make_candidate()
    _room_id, question_id = await _answered_question(client, staff_client, asker)
    other = await make_candidate()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as other_client:
        await sign_in_candidate(other_client, other)
        assert (await _vote(other_client, question_id, "0")).status_code == 404
        assert (await _vote(other_client, 99999999999, "0")).status_code == 404
        # Their own unanswered question cannot be rated yet.
        theirs = await open_thread(other_client)
        await candidate_post(other_client, theirs, "还没回答")
        unanswered = (await questions_of(theirs))[0]["id"]
        assert (await _vote(other_client, unanswered, "1")).status_code == 404
    assert await AnswerFeedback.count() == 0


async def test_votes_appear_per_responder_in_the_sla_figures(client, staff_client):
    me = await make_candidate()
    _room_id, question_id = await _answered_question(client, staff_client, me)
    await _vote(client, question_id, "0")
    admin = await staff_client("admin")
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    query = f"start={today - timedelta(days=1)}&end={today + timedelta(days=1)}"
    page = await admin.get(f"/admin/questions/figures?{query}")
    assert page.status_code == 200
    responder = page.text[page.text.index('data-testid="figures-responder"') :]
    assert "0 / 1" in responder
    csv = await admin.get(f"/admin/questions/figures/csv?{query}")
    assert csv.text.splitlines()[-1].endswith(",0,1")
