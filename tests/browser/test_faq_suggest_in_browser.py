"""Instant answers in a real phone-sized chromium: suggestions while typing, as text."""

from __future__ import annotations

from playwright.async_api import expect

from portal.domain.candidates.login_links import login_link_create
from portal.domain.faq.tables import FaqInstantAnswer
from portal.domain.rooms.membership import cohort_room_ensure
from portal.domain.rooms.tables import RoomMessage
from tests.browser.helpers import live_url, sign_in_by_link
from tests.factories import make_candidate, make_cohort, make_department
from tests.resources.helpers import make_resource


async def test_typing_a_question_suggests_an_answer_that_can_close_it(live_server, phone_page):
    department = await make_department()
    cohort = await make_cohort(department)
    candidate = await make_candidate(department, cohort=cohort)
    room_id = await cohort_room_ensure(cohort.id)
    await make_resource(
        title="工资每个月几号发?", body="<img src=x onerror=window.pwned=1>每月 10 日。"
    )
    await sign_in_by_link(
        phone_page, live_url(await login_link_create(candidate_id=candidate.id), live_server)
    )
    await phone_page.goto(f"{live_server}/rooms/{room_id}")
    await phone_page.fill("#room-body", "请问工资几号发")
    suggestion = phone_page.locator(".faq-suggest summary").first
    await expect(suggestion).to_have_text("工资每个月几号发?")
    await suggestion.click()
    await expect(phone_page.locator(".faq-suggest .faq-answer").first).to_contain_text("每月 10 日")
    assert await phone_page.evaluate("window.pwned") is None
    assert await phone_page.locator(".faq-suggest img").count() == 0
    await phone_page.locator(".faq-suggest button").first.click()
    await expect(phone_page.locator(".faq-thanks")).to_be_visible()
    assert await phone_page.input_value("#room-body") == ""
    assert await FaqInstantAnswer.count() == 1
    assert await RoomMessage.count() == 0
