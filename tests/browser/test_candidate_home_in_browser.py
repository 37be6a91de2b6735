from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from portal.domain.candidates.login_links import login_link_create
from tests.browser.helpers import SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import make_candidate, make_cohort, make_department


async def test_candidate_signs_in_on_a_phone_and_reads_the_countdown(
    live_server, phone_page, database
):
    shanghai = ZoneInfo("Asia/Shanghai")
    start_day = datetime.now(UTC).astimezone(shanghai).date() + timedelta(days=12)
    starts_at = datetime(start_day.year, start_day.month, start_day.day, 9, 0, tzinfo=shanghai)
    department = await make_department("生产部", last_ordinal=122)
    cohort = await make_cohort(department, starts_at=starts_at, place="苏州培训中心 3 楼")
    candidate = await make_candidate(department, cohort=cohort, name="张三")
    link = await login_link_create(candidate_id=candidate.id)

    await sign_in_by_link(phone_page, live_url(link, live_server))
    assert phone_page.url == live_server + "/"
    countdown = await phone_page.get_by_test_id("countdown").inner_text()
    assert countdown.strip() == "距离培训还有 12 天"
    heading = await phone_page.locator("h1").inner_text()
    assert heading == "欢迎你，张三！"
    assert "你是我们第 123 位加入生产部的伙伴" in await phone_page.inner_text(".hello")
    assert "苏州培训中心 3 楼" in await phone_page.inner_text(".countdown")
    # Usable one-handed on a 390-px-wide phone: nothing wider than the screen.
    scroll_width = await phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / f"home-{database}.png"), full_page=True)


async def test_used_link_in_the_browser_explains_how_to_get_a_new_one(live_server, phone_page):
    candidate = await make_candidate()
    link = live_url(await login_link_create(candidate_id=candidate.id), live_server)
    # A link-preview robot fetches it first: that uses nothing up.
    assert httpx.get(link).status_code == 200
    await sign_in_by_link(phone_page, link)
    assert phone_page.url == live_server + "/"
    await phone_page.context.clear_cookies()
    await phone_page.goto(link)
    assert await phone_page.locator("h1").inner_text() == "该链接已经使用过"
    # No dead end: the page asks for the phone number to send a new link.
    assert "获取新的登录链接" in await phone_page.inner_text("main")
    assert await phone_page.locator("input[name=phone]").count() == 1
