"""The candidate's inbox, message settings and the sign-in-free unsubscribe link."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.messaging.inbox import inbox_unread_count
from portal.domain.messaging.tables import MessagePreference
from portal.domain.messaging.unsubscribe import unsubscribe_token
from tests.factories import make_candidate, sign_in_candidate
from tests.messaging.helpers import inbox_to, row


async def test_inbox_lists_own_items_newest_first_with_unread_marked(client):
    me = await make_candidate(name="张三")
    other = await make_candidate(name="李四")
    now = datetime.now(UTC)
    first = await message_enqueue(message=inbox_to(me, subject="第一条"), now=now)
    await message_enqueue(message=inbox_to(me, subject="第二条"), now=now + timedelta(seconds=1))
    await message_enqueue(message=inbox_to(other, subject="别人的消息"))
    assert first.status == "sent"  # delivered with its cause
    await sign_in_candidate(client, me)
    page = await client.get("/inbox")
    assert page.status_code == 200
    text = page.text
    assert text.index("第二条") < text.index("第一条")
    assert "别人的消息" not in text
    assert text.count('class="unread"') == 2
    home = await client.get("/")
    assert 'href="/inbox"' in home.text


async def test_opening_an_item_marks_it_read_once(client):
    me = await make_candidate()
    item = await message_enqueue(message=inbox_to(me, body="请带上身份证 <b>原件</b>。"))
    await sign_in_candidate(client, me)
    assert await inbox_unread_count(candidate_id=me.id) == 1
    opened = await client.get(f"/inbox/{item.id}")
    assert opened.status_code == 200
    assert "&lt;b&gt;原件&lt;/b&gt;" in opened.text  # escaped, not rendered
    first_read = (await row(item.id))["read_at"]
    assert first_read is not None
    await asyncio.gather(client.get(f"/inbox/{item.id}"), client.get(f"/inbox/{item.id}"))
    assert (await row(item.id))["read_at"] == first_read
    assert await inbox_unread_count(candidate_id=me.id) == 0


async def test_another_candidates_item_is_not_found(client):
    me = await make_candidate()
    other = await make_candidate()
    theirs = await message_enqueue(message=inbox_to(other))
    await sign_in_candidate(client, me)
    response = await client.get(f"/inbox/{theirs.id}")
    assert response.status_code == 404
    assert (await row(theirs.id))["read_at"] is None
    assert (await client.get("/inbox/99999999999")).status_code == 404


async def test_future_inbox_item_is_not_shown_before_its_time(client):
    me = await make_candidate()
    later = datetime.now(UTC) + timedelta(hours=2)
    queued = await message_enqueue(message=inbox_to(me, subject="明天的提醒", not_before=later))
    assert queued.status == "pending"
    await sign_in_candidate(client, me)
    assert "明天的提醒" not in (await client.get("/inbox")).text


async def test_inbox_needs_sign_in(client):
    response = await client.get("/inbox", follow_redirects=False)
    assert response.status_code in (302, 303, 307)


async def test_preferences_page_turns_channels_off_and_on(client, channels):
    me = await make_candidate(email="me@example.com")
    await sign_in_candidate(client, me)
    page = await client.get("/inbox/preferences")
    assert page.status_code == 200
    assert 'data-testid="pref-email-engagement"' in page.text
    assert 'data-testid="pref-sms-transactional"' in page.text
    token = client.cookies.get("onramp_csrf")
    saved = await client.post(
        "/inbox/preferences",
        data={"on": ["email:transactional", "sms:transactional"], "_csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    rows = await MessagePreference.select(
        MessagePreference.channel, MessagePreference.category, MessagePreference.enabled
    ).where(MessagePreference.candidate == me.id)
    off = {(r["channel"], r["category"]) for r in rows if not r["enabled"]}
    assert off == {("email", "engagement"), ("sms", "engagement")}


async def test_unconfigured_channels_are_not_offered(client):
    me = await make_candidate(email="me@example.com")
    await sign_in_candidate(client, me)
    page = await client.get("/inbox/preferences")
    assert 'data-testid="no-channels"' in page.text


async def test_unsubscribe_link_works_without_sign_in_and_get_changes_nothing(client):
    me = await make_candidate(email="me@example.com")
    token = unsubscribe_token(candidate_id=me.id, channel="email", category="engagement")
    page = await client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert await MessagePreference.count() == 0
    done = await client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert 'data-testid="unsubscribed"' in done.text
    again = await client.post(f"/unsubscribe/{token}")
    assert again.status_code == 200
    rows = await MessagePreference.select().where(MessagePreference.candidate == me.id)
    assert [(r["channel"], r["category"], r["enabled"]) for r in rows] == [
        ("email", "engagement", False)
    ]


async def test_forged_unsubscribe_token_is_refused(client):
    me = await make_candidate()
    token = unsubscribe_token(candidate_id=me.id, channel="email", category="engagement")
    forged = token.replace(f"{me.id}.", f"{me.id + 1}.", 1)
    assert (await client.post(f"/unsubscribe/{forged}")).status_code == 404
    assert (await client.get("/unsubscribe/garbage")).status_code == 404
    assert await MessagePreference.count() == 0
