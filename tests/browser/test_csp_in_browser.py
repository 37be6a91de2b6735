"""The main candidate and admin pages run under their Content-Security-Policy with no
violation: nothing they need is inline, and nothing is blocked."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from portal.domain.rooms.membership import cohort_room_ensure
from tests.browser.helpers import live_url, sign_in_by_link
from tests.checklist.helpers import make_template
from tests.factories import STAFF_PASSWORD, make_candidate, make_cohort, make_department, make_staff

# Recorded by the page itself (an init script runs outside the page's CSP).
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""


async def _visit(page, url: str, reports: list[str]) -> None:
    response = await page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in (await response.header_value("content-security-policy") or "")
    await page.wait_for_load_state("networkidle")
    reports += [f"{url}: {v}" for v in await page.evaluate("window.__csp")]


# Tabs open at once: enough for the idle waits to overlap, few enough for a loaded machine.
TABS = 4


async def _visit_all(context, urls: list[str], reports: list[str], console: list[str]) -> None:
    """Each page in a tab of its own, several at once: each waits for the network to be idle
    (half a second without a request), and those waits need not add up."""
    tabs = asyncio.Semaphore(TABS)

    async def visit(url: str) -> None:
        async with tabs:
            page = await context.new_page()
            page.on("console", lambda m: console.append(m.text))
            try:
                await _visit(page, url, reports)
            finally:
                await page.close()

    await asyncio.gather(*(visit(url) for url in urls))


async def test_candidate_and_admin_pages_report_no_csp_violation(live_server, phone_page, chromium):
    department = await make_department()
    cohort = await make_cohort(department)
    candidate = await make_candidate(department, cohort=cohort, name="张三")
    await make_template()
    room_id = await cohort_room_ensure(cohort.id)
    hr = await make_staff("admin")
    reports: list[str] = []
    console: list[str] = []

    page = phone_page
    await page.context.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda m: console.append(m.text))
    from portal.domain.candidates.login_links import login_link_create

    link = live_url(await login_link_create(candidate_id=candidate.id), live_server)
    await _visit(page, link, reports)
    await sign_in_by_link(page, link)
    candidate_paths = [
        "/",
        "/checklist",
        "/profile",
        "/learning",
        "/learning/leaderboard",
        "/rewards",
        "/resources",
        "/inbox",
        f"/rooms/{room_id}",
    ]
    await _visit_all(page.context, [live_server + p for p in candidate_paths], reports, console)
    # The room's websocket connects under connect-src 'self'.
    await page.goto(f"{live_server}/rooms/{room_id}")
    await expect(page.locator("#room-status")).to_have_text("已连接")

    # The admin at a laptop: a context of its own in the session's chromium.
    context = await chromium.new_context(viewport={"width": 1280, "height": 800})
    try:
        await context.add_init_script(WATCH_VIOLATIONS)
        admin = await context.new_page()
        admin.on("console", lambda m: console.append(m.text))
        await _visit(admin, f"{live_server}/admin/login", reports)
        await admin.fill("input[name=email]", hr.email)
        await admin.fill("input[name=password]", STAFF_PASSWORD)
        await admin.click("form[action='/admin/login'] button[type=submit]")
        await admin.wait_for_url(f"{live_server}/admin**")
        admin_paths = [
            "/admin/candidates",
            f"/admin/candidates/{candidate.id}",
            f"/admin/candidates/{candidate.id}/profile",
            "/admin/documents",
            "/admin/questions",
            "/admin/rooms",
            f"/admin/rooms/{room_id}",
            "/admin/resources",
            "/admin/videos",
            "/admin/journeys",
            "/admin/checklist/templates",
            "/admin/settings/sla",
        ]
        await _visit_all(context, [live_server + p for p in admin_paths], reports, console)
    finally:
        await context.close()
    assert reports == []
    assert [line for line in console if "Content Security Policy" in line] == []
