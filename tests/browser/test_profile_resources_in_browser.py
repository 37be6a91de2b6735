"""On a phone: fill in the personal-information form, then search the FAQ."""

from __future__ import annotations

from portal.domain.candidates.login_links import login_link_create
from tests.browser.helpers import SCREENSHOT_DIR, live_url, sign_in_by_link
from tests.factories import make_candidate, make_cohort, make_department
from tests.profile.helpers import VALID_CARD, VALID_ID
from tests.resources.helpers import make_resource


async def test_candidate_fills_in_the_profile_and_searches_the_faq(
    live_server, phone_page, database
):
    department = await make_department("生产部")
    cohort = await make_cohort(department)
    candidate = await make_candidate(department, cohort=cohort, name="张三")
    await make_resource(title="宿舍有空调吗?", body="有,每个房间都有。")
    await make_resource(title="工资什么时候发?", body="每月 10 日。")
    other = await make_cohort(department)
    await make_resource(title="别的批次的问题", body="x", cohort=other)
    await sign_in_by_link(
        phone_page, live_url(await login_link_create(candidate_id=candidate.id), live_server)
    )

    await phone_page.goto(live_server + "/profile")
    await phone_page.fill("#legal_name", "张三")
    await phone_page.fill("#id_number", VALID_ID[:17])  # one character short
    await phone_page.fill("#address", "苏州市工业园区星湖街 328 号")
    await phone_page.fill("#emergency_name", "张建国")
    await phone_page.select_option("#emergency_relationship", "parent")
    await phone_page.fill("#emergency_phone", "139 1234 5678")
    await phone_page.fill("#bank_name", "中国工商银行")
    await phone_page.fill("#bank_card", VALID_CARD)
    await phone_page.click("button[type=submit]")
    assert "18 位" in await phone_page.get_by_test_id("error-id_number").inner_text()
    assert await phone_page.input_value("#legal_name") == "张三"  # kept
    assert await phone_page.input_value("#bank_card") == ""  # never echoed

    await phone_page.fill("#id_number", VALID_ID)
    await phone_page.fill("#bank_card", " ".join(VALID_CARD[i : i + 4] for i in range(0, 19, 4)))
    await phone_page.click("button[type=submit]")
    await phone_page.get_by_test_id("saved").wait_for()
    assert await phone_page.get_by_test_id("id-number").inner_text() == (
        VALID_ID[:4] + "*" * 10 + VALID_ID[-4:]
    )
    assert VALID_CARD[-4:] in await phone_page.get_by_test_id("bank-card").inner_text()
    assert VALID_ID not in await phone_page.content()
    assert await phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    await phone_page.screenshot(
        path=str(SCREENSHOT_DIR / f"profile-{database}.png"), full_page=True
    )

    await phone_page.goto(live_server + "/resources")
    assert await phone_page.get_by_test_id("faq-item").count() == 2
    assert "别的批次的问题" not in await phone_page.content()
    await phone_page.fill("#q", "宿舍")
    await phone_page.click("form[role=search] button")
    await phone_page.get_by_test_id("faq-result").wait_for()
    assert await phone_page.get_by_test_id("faq-item").count() == 1
    assert "每个房间都有" in await phone_page.get_by_test_id("faq-item").inner_text()
    assert await phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    await phone_page.screenshot(
        path=str(SCREENSHOT_DIR / f"resources-{database}.png"), full_page=True
    )
