"""On a phone: the growth path reads as a simple vertical path, nothing wider than 390 px."""

from __future__ import annotations

from portal.domain.candidates.login_links import login_link_create
from portal.domain.candidates.records import CandidateInput, candidate_update
from portal.domain.talent.growth import growth_path_save
from tests.browser.helpers import SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import make_candidate, make_department, make_position


async def test_candidate_sees_their_growth_path_on_a_phone(live_server, phone_page, database):
    department = await make_department("生产部")
    position = await make_position(department, "装配工")
    candidate = await make_candidate(department, name="张三")
    await candidate_update(
        candidate_id=candidate.id,
        data=CandidateInput(
            name="张三", phone=candidate.phone, department_id=department.id,
            position_id=position.id,
        ),
    )  # fmt: skip
    await growth_path_save(
        position_id=position.id,
        text="装配工 | 0\n班组长 | 12 | 8\n主管助理 | 18 | 3\n车间主管 | 36",
    )
    await sign_in_by_link(
        phone_page, live_url(await login_link_create(candidate_id=candidate.id), live_server)
    )
    await phone_page.goto(live_server + "/profile")
    async with phone_page.expect_navigation():
        await phone_page.get_by_test_id("talent-links").get_by_role("link").first.click()
    path = phone_page.get_by_test_id("growth-path")
    await path.wait_for()
    steps = path.locator("ol.growth > li")
    assert await steps.count() == 4
    assert "班组长" in await steps.nth(1).inner_text()
    assert "12" in await steps.nth(1).inner_text()
    # A vertical path: each step below the previous one, inside the phone's width.
    boxes = [await steps.nth(i).bounding_box() for i in range(4)]
    assert all(b["y"] < n["y"] for b, n in zip(boxes, boxes[1:], strict=False))
    assert all(b["x"] + b["width"] <= 390 for b in boxes)
    assert await phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await phone_page.screenshot(path=str(SCREENSHOT_DIR / "growth-path.png"), full_page=True)
