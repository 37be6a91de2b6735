"""The SLA tracker in a real browser: it updates itself without a reload."""

from __future__ import annotations

import pytest

from portal.domain.rooms.tables import RoomQuestion
from tests.browser.helpers import SCREENSHOT_DIR
from tests.factories import STAFF_PASSWORD, make_candidate, make_cohort, make_department, make_staff
from tests.sla.helpers import make_question, make_room


@pytest.fixture
async def desktop_page(chromium):
    context = await chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def test_tracker_shows_new_and_drops_answered_questions_without_reload(
    live_server, desktop_page, database
):
    department = await make_department("生产部")
    cohort = await make_cohort(department, name="十二月期")
    asker = await make_candidate(department, cohort=cohort, name="张三")
    room = await make_room(cohort, name="十二月期房间")
    first = await make_question(room, asker, body="<script>alert('x')</script>", hours_left=-1)
    second = await make_question(room, asker, body="宿舍有空调吗?", hours_left=10)
    hr = await make_staff("hr")

    page = desktop_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.goto(f"{live_server}/admin/login?next_path=/admin/questions")
    await page.fill("input[name=email]", hr.email)
    await page.fill("input[name=password]", STAFF_PASSWORD)
    # The tracker's own clock: its 10 s refresh is run when the test says, not waited for.
    await page.clock.install()
    await page.click("form[action='/admin/login'] button[type=submit]")
    await page.wait_for_url(f"{live_server}/admin/questions")
    cards = page.get_by_test_id("question")
    assert await cards.count() == 2
    assert "<script>alert('x')</script>" in await cards.nth(0).get_by_test_id("body").inner_text()
    assert "已超时" in await cards.nth(0).get_by_test_id("time-left").inner_text()

    # Someone types an answer into the second card while the list refreshes around it.
    await page.fill(f"#answer-{second.id}", "有的,")
    third = await make_question(room, asker, body="几点报到?", hours_left=2)
    await RoomQuestion.update({RoomQuestion.status: "answered"}).where(RoomQuestion.id == first.id)
    await page.clock.run_for(10_000)  # the refresh interval (POLL_MS in sla_tracker.js)
    await page.wait_for_selector(f"#question-{third.id}", timeout=15000)
    await page.wait_for_selector(f"#question-{first.id}", state="detached", timeout=15000)
    ids = await cards.evaluate_all("cards => cards.map(card => Number(card.dataset.id))")
    assert ids == [third.id, second.id]  # sorted by time left
    assert await page.input_value(f"#answer-{second.id}") == "有的,"
    summary = await page.get_by_test_id("sla-summary").inner_text()
    assert "0 个已超时" in summary and "1 个即将到期" in summary
    assert await page.locator("[data-sla-badge]").inner_text() in ("1", "")
    assert dialogs == []
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOT_DIR / f"sla-tracker-{database}.png"))
