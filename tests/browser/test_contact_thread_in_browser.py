"""The 1:1 thread with HR on a phone (390×844): sent live, HR's reply arrives live."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from portal.domain.candidates.login_links import login_link_create
from portal.domain.rooms.tables import RoomQuestion
from tests.browser.helpers import SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import make_candidate, make_staff, sign_in_staff


async def test_a_candidate_without_a_cohort_talks_to_hr_live(live_server, phone_page, database):
    me = await make_candidate(name="小周")  # no cohort
    hr = await make_staff("hr")
    await sign_in_by_link(
        phone_page, live_url(await login_link_create(candidate_id=me.id), live_server)
    )
    await phone_page.goto(f"{live_server}/contact")
    await expect(phone_page.locator("h1")).to_have_text("与HR的对话")
    await expect(phone_page.locator("#room-status")).to_have_text("已连接")
    # No "chat or question" choice and no "ask privately" box: everything here is private.
    assert await phone_page.locator("input[name=kind][type=radio]").count() == 0
    assert await phone_page.locator("input[name=private][type=checkbox]").count() == 0
    await phone_page.fill("#room-body", "<b>试用期</b>多久？")
    await phone_page.click("#composer button.primary")
    mine = phone_page.locator("#messages li.msg .body", has_text="试用期")
    await mine.wait_for()
    # Shown at once as "sending…" (room.js); stored once the server acknowledged it.
    await expect(phone_page.locator("#messages li.pending")).to_have_count(0)
    assert await mine.inner_text() == "<b>试用期</b>多久？"
    room_id = int(phone_page.url.split("/rooms/")[1].split("?")[0].split("#")[0])
    assert [
        q["status"] for q in await RoomQuestion.select().where(RoomQuestion.room == room_id)
    ] == ["open"]

    # HR replies from the admin page (another process's client): it arrives live.
    async with httpx.AsyncClient(base_url=live_server) as staff:
        await sign_in_staff(staff, hr)
        await staff.get(f"/admin/rooms/{room_id}")
        response = await staff.post(
            f"/admin/rooms/{room_id}/send",
            data={
                "_csrf_token": staff.cookies.get("onramp_csrf"),
                "client_id": "hr-reply-1",
                "body": "三个月。",
                "reply_to": "",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
    await phone_page.locator("#messages li.msg .body", has_text="三个月。").wait_for()
    assert [
        q["status"] for q in await RoomQuestion.select().where(RoomQuestion.room == room_id)
    ] == ["answered"]
    assert await phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / f"contact-thread-{database}.png"))

    # After a reload, the thread offers "was this helpful?" for the answered question.
    await phone_page.reload()
    await expect(phone_page.locator("[data-testid=answer-feedback]")).to_have_count(1)
    await phone_page.click("[data-testid=answer-feedback] button[value='1']")
    await expect(phone_page.locator("[data-testid=rated]")).to_be_visible()
    await expect(phone_page.locator("[data-testid=answer-feedback]")).to_have_count(0)
