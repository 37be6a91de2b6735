"""The Q&A room in a real phone-sized chromium: live messages, plain text, offline state."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playwright.async_api import expect

from portal.domain.candidates.login_links import login_link_create
from portal.domain.rooms.membership import cohort_room_ensure
from tests.browser.helpers import PHONE, SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import make_candidate, make_cohort, make_department
from tests.room.helpers import candidate_cookie, connect, receive_until, send

ATTACK = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> https://example.com/x'


async def _reader_connected(live_server: str, phone_page) -> tuple[int, Any]:
    """A cohort room with 读者 signed in on ``phone_page`` and connected; (room, writer) where
    写者 is a second member of the cohort."""
    department = await make_department()
    cohort = await make_cohort(department)
    reader = await make_candidate(department, cohort=cohort, name="读者")
    writer = await make_candidate(department, cohort=cohort, name="写者")
    room_id = await cohort_room_ensure(cohort.id)
    await sign_in_by_link(
        phone_page, live_url(await login_link_create(candidate_id=reader.id), live_server)
    )
    await phone_page.goto(f"{live_server}/rooms/{room_id}")
    await expect(phone_page.locator("#room-status")).to_have_text("已连接")
    return room_id, writer


async def test_a_script_body_is_shown_as_text_live_and_after_reload(
    live_server, phone_page, database
):
    room_id, writer = await _reader_connected(live_server, phone_page)

    # The writer sends from a second phone.
    browser = phone_page.context.browser
    other = await browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN")
    writer_page = await other.new_page()
    await sign_in_by_link(
        writer_page, live_url(await login_link_create(candidate_id=writer.id), live_server)
    )
    await writer_page.goto(f"{live_server}/rooms/{room_id}")
    await writer_page.fill("#room-body", ATTACK)
    await writer_page.click("#composer button.primary")

    body = phone_page.locator("#messages li.msg .body").last
    await body.wait_for()
    assert await body.inner_text() == ATTACK
    assert await phone_page.evaluate("window.pwned") is None
    link = body.locator("a")
    assert await link.get_attribute("href") == "https://example.com/x"
    assert await phone_page.locator("#messages script, #messages img").count() == 0

    # Rendered by the server after a reload: still text.
    await phone_page.reload()
    await phone_page.locator("#messages li.msg .body").last.wait_for()
    assert await phone_page.locator("#messages li.msg .body").last.inner_text() == ATTACK
    assert await phone_page.evaluate("window.pwned") is None
    assert await phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / f"room-{database}.png"))
    await other.close()


async def test_the_page_shows_offline_and_catches_up_when_back(live_server, phone_page):
    await _reader_connected(live_server, phone_page)
    status = phone_page.locator("#room-status")
    await phone_page.context.set_offline(True)
    # Going offline does not always close a socket at once; the page's own check does.
    await phone_page.evaluate("window.dispatchEvent(new Event('online'))")
    await expect(phone_page.locator("#room-status")).to_have_class(re.compile(r"\boffline\b"))
    assert "离线" in await status.inner_text()
    await phone_page.context.set_offline(False)
    await expect(phone_page.locator("#room-status")).to_have_text("已连接", timeout=15000)
    await phone_page.fill("#room-body", "我回来了")
    await phone_page.click("#composer button.primary")
    await phone_page.locator("#messages li.msg .body", has_text="我回来了").wait_for()


async def _until(condition, seconds: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_resume_asks_from_a_few_seconds_back_and_shows_nothing_twice(
    live_server, phone_page
):
    """Live frames can arrive out of id order by a moment (two workers), so the page resumes
    from the highest id it had 5 s before a drop: a message still on its way is not skipped,
    and what the resume sends again is not shown twice."""
    room_id, writer = await _reader_connected(live_server, phone_page)
    status = phone_page.locator("#room-status")
    opened_after = await phone_page.get_attribute("#room", "data-after")
    sockets: list[str] = []
    phone_page.on("websocket", lambda socket: sockets.append(socket.url))

    writer_cookie = await candidate_cookie(live_server, writer.id)
    async with await connect(live_server, room_id, writer_cookie) as w:
        await send(w, "刚刚发的")
        ack, _ = await receive_until(w, "ack")
    await phone_page.locator(f"#m{ack['id']}").wait_for()

    # Dropped right after: the resume asks from before that message, which comes again…
    await phone_page.evaluate("window.dispatchEvent(new Event('online'))")
    await _until(lambda: len(sockets) == 1)
    assert sockets[0].endswith(f"?after={opened_after}")
    await expect(status).to_have_text("已连接", timeout=15000)
    await phone_page.wait_for_timeout(500)
    # …and is shown once.
    assert await phone_page.locator("#messages li.msg").count() == 1

    # Dropped 5 s later: that message is settled, the resume asks from it.
    await phone_page.wait_for_timeout(5500)
    await phone_page.evaluate("window.dispatchEvent(new Event('online'))")
    await _until(lambda: len(sockets) == 2)
    assert sockets[1].endswith(f"?after={ack['id']}")
    await expect(status).to_have_text("已连接", timeout=15000)
    assert await phone_page.locator("#messages li.msg").count() == 1
