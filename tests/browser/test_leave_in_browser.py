"""On a phone: "I can't join" asks why, asks once what could change their mind, signs out."""

from __future__ import annotations

from portal.domain.candidates.login_links import login_link_create
from portal.domain.candidates.tables import Candidate
from portal.domain.talent.tables import TalentTask
from tests.browser.helpers import SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import make_candidate, make_department


async def test_candidate_declines_on_a_phone(live_server, phone_page, database):
    candidate = await make_candidate(await make_department("生产部"), name="李四")
    await sign_in_by_link(
        phone_page, live_url(await login_link_create(candidate_id=candidate.id), live_server)
    )
    await phone_page.goto(live_server + "/leave")
    await phone_page.check("input[name=reason_code][value=commute]")
    await phone_page.check("input[name=need][value=离家近]")
    await phone_page.check("input[name=consent]")
    assert await phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / "leave-1.png"), full_page=True)
    async with phone_page.expect_navigation():
        await phone_page.click("button[type=submit]")
    await phone_page.fill("#change_mind", "有班车就来")
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / "leave-2.png"), full_page=True)
    async with phone_page.expect_navigation():
        await phone_page.get_by_test_id("leave-confirm").click()
    assert phone_page.url.endswith("/left")
    assert (await Candidate.objects().get(Candidate.id == candidate.id)).status == "withdrawn"
    assert await TalentTask.count() == 1
    await phone_page.goto(live_server + "/")
    assert "/welcome" in phone_page.url
