"""The room as a chat app on a 390×844 phone: opens at the newest message, your own message
above the composer, a pill for what arrives while you read older ones, no layout shift;
and the self-service sign-in link."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from playwright.async_api import expect

from portal.domain.candidates.login_links import login_link_create, login_link_redeem
from portal.domain.candidates.tables import LinkRequest
from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.tables import RoomMessage
from tests.browser.helpers import SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import STAFF_PASSWORD, make_candidate, make_cohort, make_department, make_staff
from tests.room.helpers import connect, receive_until, send, staff_cookie

# Layout shifts, summed as Lighthouse's CLS does for a short page visit.
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { if (!e.hadRecentInput) window.__cls += e.value; });
}).observe({ type: "layout-shift", buffered: true });
"""


async def _seed(room_id: int, authors, count: int = 30) -> list[int]:
    """Older conversation: yesterday's and today's messages from several people."""
    now = datetime.now(UTC)
    ids = []
    for number in range(count):
        author = authors[number % len(authors)]
        message = RoomMessage(
            room=room_id,
            author_candidate=author.id,
            author_key=f"c{author.id}",
            client_id=uuid.uuid4().hex,
            kind="chat",
            body=f"第 {number + 1} 条消息：大家好，我是{author.name}，很高兴认识大家。",
            created_at=now - timedelta(hours=30) + timedelta(minutes=number * 50),
        )
        await message.save()
        ids.append(message.id)
    return ids


async def _room(live_server, phone_page):
    department = await make_department()
    cohort = await make_cohort(department)
    me = await make_candidate(department, cohort=cohort, name="李雷")
    others = [
        await make_candidate(department, cohort=cohort, name=name) for name in ("韩梅梅", "王芳")
    ]
    room_id = await cohort_room_ensure(cohort.id)
    await _seed(room_id, others)
    await phone_page.add_init_script(CLS_OBSERVER)
    await sign_in_by_link(
        phone_page, live_url(await login_link_create(candidate_id=me.id), live_server)
    )
    await phone_page.goto(f"{live_server}/rooms/{room_id}")
    await expect(phone_page.locator("#room-status")).to_have_text("已连接")
    return room_id, me


async def _visible_above_composer(page, selector: str) -> bool:
    return await page.evaluate(
        """(selector) => {
          const node = document.querySelector(selector);
          const composer = document.getElementById("composer").getBoundingClientRect();
          const box = node.getBoundingClientRect();
          return box.top >= 0 && box.bottom <= composer.top + 1;
        }""",
        selector,
    )


async def test_own_message_shows_above_the_composer(live_server, phone_page, database):
    room_id, _me = await _room(live_server, phone_page)
    # Opens at the newest message, with day separators and local times from the server.
    assert await _visible_above_composer(phone_page, "#messages li.msg:last-of-type")
    assert await phone_page.locator("#messages .day-sep").count() >= 2
    composer = await phone_page.locator("#composer").bounding_box()
    assert composer["height"] <= 844 / 4, composer

    await phone_page.fill("#room-body", "请问第一天几点到？")
    await phone_page.click("#composer button.primary")
    mine = phone_page.locator("#messages li.msg.mine[data-id]", has_text="请问第一天几点到？")
    await mine.wait_for()
    assert await phone_page.locator("#messages li.pending").count() == 0
    await phone_page.wait_for_timeout(300)
    assert await _visible_above_composer(phone_page, "#messages li.msg.mine:last-of-type")
    # Offline, a message shows at once as "sending…" and goes when the network is back.
    await phone_page.context.set_offline(True)
    await phone_page.evaluate("window.dispatchEvent(new Event('online'))")  # drops the socket
    await phone_page.fill("#room-body", "离线时写的")
    await phone_page.click("#composer button.primary")
    pending = phone_page.locator("#messages li.pending", has_text="离线时写的")
    await expect(pending).to_contain_text("发送中")
    assert await _visible_above_composer(phone_page, "#messages li.pending")
    await phone_page.context.set_offline(False)
    await phone_page.locator("#messages li.msg.mine[data-id]", has_text="离线时写的").wait_for(
        timeout=20000
    )
    assert await phone_page.locator("#messages li.pending").count() == 0
    # Reply and report controls were on the page before the script ran: nothing moved.
    cls = await phone_page.evaluate("window.__cls")
    assert cls <= 0.02
    assert await phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / f"chat-room-{database}.png"))


async def test_an_answer_arriving_while_scrolled_up_shows_the_pill(
    live_server, phone_page, database
):
    room_id, me = await _room(live_server, phone_page)
    await phone_page.click("#room-body")
    await phone_page.check("#composer input[value=question]")
    assert await phone_page.locator("#composer .question-options").is_visible()
    composer = await phone_page.locator("#composer").bounding_box()
    assert composer["height"] <= 844 / 4, composer
    await phone_page.fill("#room-body", "体检报告在哪里做？")
    await phone_page.click("#composer button.primary")
    question = phone_page.locator("#messages li.msg.mine[data-id]", has_text="体检报告在哪里做？")
    await question.wait_for()
    question_id = int(await question.get_attribute("data-id"))

    await phone_page.evaluate("window.scrollTo(0, 0)")
    await phone_page.wait_for_timeout(200)
    pill = phone_page.get_by_test_id("new-pill")
    assert await pill.is_hidden()

    hr = await make_staff("hr")
    socket = await connect(
        live_server, room_id, await staff_cookie(live_server, hr.email, STAFF_PASSWORD)
    )
    try:
        await send(
            socket, "在苏州市第一人民医院，带上身份证。", kind="answer", reply_to=question_id
        )
        await receive_until(socket, "ack")
    finally:
        await socket.close()

    await expect(pill).to_be_visible()
    # The reader stays where they were; the answer quotes the question, not "#id".
    assert await phone_page.evaluate("window.scrollY") < 100
    answer = phone_page.locator("#messages li.msg-answer").last
    await expect(answer.locator(".quote")).to_contain_text("李雷")
    await expect(answer.locator(".quote")).to_contain_text("体检报告在哪里做？")
    await pill.click()
    await expect(pill).to_be_hidden()
    await phone_page.wait_for_timeout(300)
    assert await _visible_above_composer(phone_page, "#messages li.msg-answer:last-of-type")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / f"chat-room-answer-{database}.png"))


async def test_a_used_link_leads_to_a_new_one(live_server, phone_page, database):
    candidate = await make_candidate(name="韩梅梅", phone="13912345670")
    link = await login_link_create(candidate_id=candidate.id)
    await login_link_redeem(link[link.index("/login/") + 7 :])

    await phone_page.goto(live_url(link, live_server))
    await expect(phone_page.get_by_test_id("new-link-form")).to_be_visible()
    await phone_page.fill("#new-link-phone", "139 1234 5670")
    async with phone_page.expect_navigation():
        await phone_page.get_by_test_id("new-link-submit").click()
    await expect(phone_page.get_by_test_id("new-link-sent")).to_be_visible()
    # No message step delivers sign-in links here: HR sees the request.
    for _ in range(50):
        if await LinkRequest.count():
            break
        await phone_page.wait_for_timeout(100)
    [row] = await LinkRequest.select(LinkRequest.candidate)
    assert row["candidate"] == candidate.id
    box = await phone_page.get_by_test_id("new-link-submit").count()
    assert box == 0
