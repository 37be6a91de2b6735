"""The candidate app on a 390×844 phone: tab bar and badges, the next-step card, install
(manifest + service worker), a lesson read offline, a quiz answered offline and sent on
reconnect (points awarded once)."""

from __future__ import annotations

import asyncio

import httpx
from playwright.async_api import expect

from portal.domain.candidates.login_links import login_link_create
from portal.domain.learning.tables import PointEntry, QuizAttempt
from portal.domain.messaging.enqueue import message_enqueue
from tests.app_shell.helpers import make_answered_question, make_rejected, make_template
from tests.browser.helpers import SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import make_candidate, make_cohort, make_department
from tests.learning.helpers import make_course
from tests.messaging.helpers import inbox_to


async def _signed_in(page, live_server, **values):
    department = await make_department("生产部", last_ordinal=41)
    cohort = await make_cohort(department, place="苏州培训中心 3 楼")
    candidate = await make_candidate(department, cohort=cohort, name="张三", **values)
    link = live_url(await login_link_create(candidate_id=candidate.id), live_server)
    await sign_in_by_link(page, link)
    return candidate


async def _eventually(page, expression: str) -> None:
    """Poll with evaluate (page.wait_for_function evaluates strings: the CSP forbids it)."""
    for _ in range(100):
        if await page.evaluate(expression):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never true: {expression}")


async def _service_worker_ready(page) -> None:
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # A page loaded after the worker activated is controlled (clients.claim() may take
    # the current page too, but not always before the test goes on).
    if not await page.evaluate("navigator.serviceWorker.controller !== null"):
        await page.reload()
    await _eventually(page, "navigator.serviceWorker.controller !== null")


async def test_tab_bar_badges_and_next_step_on_a_phone(live_server, phone_page):
    candidate = await _signed_in(phone_page, live_server)
    await make_template("学历证明")
    await make_rejected(candidate, "身份证")
    for number in range(2):
        await message_enqueue(message=inbox_to(candidate, subject=f"欢迎 {number}"))
    await phone_page.goto(live_server + "/")

    bar = phone_page.get_by_test_id("tabbar")
    await expect(bar).to_be_visible()
    assert await bar.locator("a").count() == 5
    await expect(bar.locator('[aria-current="page"]')).to_have_attribute("data-tab", "home")
    await expect(phone_page.get_by_test_id("badge-inbox")).to_contain_text("2")
    await expect(phone_page.get_by_test_id("badge-me")).to_contain_text("1")
    # Every tab is at least 44×44 and sits at the bottom of the screen.
    for index in range(5):
        box = await bar.locator("a").nth(index).bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44
        assert box["y"] + box["height"] <= 844 + 1 and box["y"] > 700

    card = phone_page.get_by_test_id("next-step")
    await expect(card).to_contain_text("重新上传身份证")
    box = await card.bounding_box()
    assert box and box["y"] < 150  # first thing on the screen
    scroll_width = await phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / "app-home.png"))
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / "app-home-full.png"), full_page=True)

    async with phone_page.expect_navigation():
        await phone_page.get_by_test_id("next-step-go").click()
    assert "/checklist" in phone_page.url
    await expect(bar.locator('[aria-current="page"]')).to_have_attribute("data-tab", "me")
    async with phone_page.expect_navigation():
        await bar.locator('[data-tab="inbox"]').click()
    await expect(bar.locator('[aria-current="page"]')).to_have_attribute("data-tab", "inbox")


async def test_the_app_is_installable(live_server, phone_page):
    await _signed_in(phone_page, live_server)
    manifest_href = await phone_page.get_attribute('link[rel="manifest"]', "href")
    assert manifest_href == "/manifest.webmanifest"
    response = httpx.get(live_server + manifest_href)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert httpx.get(live_server + icon["src"]).headers["content-type"] == "image/png"
    assert httpx.get(live_server + "/favicon.ico").status_code == 200
    theme = await phone_page.get_attribute('meta[name="theme-color"]', "content")
    assert theme == manifest["theme_color"]
    await _service_worker_ready(phone_page)
    scope = await phone_page.evaluate(
        "navigator.serviceWorker.getRegistration().then(r => r.scope)"
    )
    assert scope == live_server + "/"


async def test_a_lesson_opened_once_can_be_read_offline(live_server, phone_page):
    await _signed_in(phone_page, live_server)
    course = await make_course(title="安全生产第一课")
    await phone_page.goto(f"{live_server}/learning/courses/{course.id}")
    await _service_worker_ready(phone_page)
    await phone_page.goto(f"{live_server}/learning/courses/{course.id}/lessons/1")
    await expect(phone_page.locator("h1")).to_have_text("为什么要戴安全帽")

    await phone_page.context.set_offline(True)
    await phone_page.goto(f"{live_server}/learning/courses/{course.id}/lessons/1")
    await expect(phone_page.locator("h1")).to_have_text("为什么要戴安全帽")
    await expect(phone_page.locator("[data-offline-banner]")).to_be_visible()
    await expect(phone_page.locator("[data-offline-banner]")).to_contain_text("离线")
    # The tab bar still works on the saved copy: the checklist was never opened, so an
    # honest offline page, not a browser error.
    await phone_page.goto(f"{live_server}/checklist")
    await expect(phone_page.locator("h1")).to_contain_text("离线")
    await phone_page.context.set_offline(False)


async def test_a_quiz_answered_offline_is_sent_when_the_network_returns(live_server, phone_page):
    candidate = await _signed_in(phone_page, live_server)
    course = await make_course(title="安全生产第一课")
    await phone_page.goto(f"{live_server}/learning/courses/{course.id}")
    await _service_worker_ready(phone_page)
    await phone_page.goto(f"{live_server}/learning/courses/{course.id}/quiz")

    await phone_page.context.set_offline(True)
    for fieldset in await phone_page.locator("fieldset.question").all():
        await fieldset.locator("label", has_text="对").first.click()
    await phone_page.get_by_role("button", name="提交答案").click()
    banner = phone_page.locator("[data-offline-banner]")
    await expect(banner).to_contain_text("恢复网络后")
    assert await QuizAttempt.count().where(QuizAttempt.candidate == candidate.id) == 0

    async with phone_page.expect_navigation(url="**/learning/results/**"):
        await phone_page.context.set_offline(False)
    assert await QuizAttempt.count().where(QuizAttempt.candidate == candidate.id) == 1
    entries = await PointEntry.select().where(PointEntry.candidate == candidate.id)
    assert len(entries) == 1 and entries[0]["amount"] > 0
    # A second reconnect sends nothing again: the queue is empty.
    assert await phone_page.evaluate("localStorage.getItem('onramp-offline-forms')") is None


async def test_signing_out_empties_the_pages_saved_on_the_phone(live_server, phone_page):
    await _signed_in(phone_page, live_server)
    course = await make_course(title="安全生产第一课")
    await phone_page.goto(f"{live_server}/learning/courses/{course.id}")
    await _service_worker_ready(phone_page)
    await phone_page.goto(f"{live_server}/learning/courses/{course.id}/lessons/1")
    await phone_page.goto(f"{live_server}/me")
    async with phone_page.expect_navigation():
        await phone_page.get_by_role("button", name="退出登录").click()
    assert phone_page.url.endswith("/welcome")
    saved = "caches.keys().then(k => k.some(n => n.endsWith('-pages')))"
    await _eventually(phone_page, f"{saved}.then(found => !found)")
    await phone_page.context.set_offline(True)
    await phone_page.goto(f"{live_server}/learning/courses/{course.id}/lessons/1")
    await expect(phone_page.locator("h1")).to_contain_text("离线")
    assert "为什么要戴安全帽" not in await phone_page.content()
    await phone_page.context.set_offline(False)


async def test_the_last_seen_room_messages_can_be_read_offline(live_server, phone_page):
    candidate = await _signed_in(phone_page, live_server)
    room_id = await make_answered_question(candidate)
    await phone_page.goto(f"{live_server}/rooms/{room_id}")
    await _service_worker_ready(phone_page)
    await phone_page.goto(f"{live_server}/rooms/{room_id}")
    await expect(phone_page.locator("main")).to_contain_text("培训期间有住宿吗")

    await phone_page.context.set_offline(True)
    await phone_page.goto(f"{live_server}/rooms/{room_id}")
    await expect(phone_page.locator("main")).to_contain_text("培训期间有住宿吗")
    await expect(phone_page.locator("[data-offline-banner]")).to_be_visible()
    await phone_page.context.set_offline(False)
