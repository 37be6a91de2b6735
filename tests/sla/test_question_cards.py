"""Tracker cards are drawn once for what they show (portal/web/question_cards.py): a card
kept from an earlier page must be the card that page would draw now, with this page's own
CSRF field and client ids."""

from __future__ import annotations

import re

from portal.domain.candidates.tables import Candidate
from portal.domain.staff.tables import StaffUser
from tests.factories import make_candidate, make_cohort, make_department, make_staff, sign_in_staff
from tests.sla.helpers import make_question, make_room

CLIENT_ID = re.compile(r'name="client_id" value="([0-9a-f]{32})"')
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def _cards(html: str) -> str:
    return html[html.index('data-live-part="cards"') : html.index('data-testid="sla-events"')]


def _without_page_values(html: str) -> str:
    return CSRF.sub("CSRF", CLIENT_ID.sub("CLIENT", html))


async def _world():
    department = await make_department("生产部")
    cohort = await make_cohort(department)
    asker = await make_candidate(department, name="王五")
    room = await make_room(cohort)
    questions = [await make_question(room, asker, hours_left=hours) for hours in (-2, 3, 20)]
    return asker, questions


async def test_a_kept_card_is_the_card_drawn_afresh_with_this_pages_values(app, client):
    await _world()
    await sign_in_staff(client, await make_staff("hr"))
    first = (await client.get("/admin/questions")).text
    second = (await client.get("/admin/questions")).text
    # Each page has client ids of its own, one per card, and its own CSRF field in every form.
    first_ids, second_ids = CLIENT_ID.findall(first), CLIENT_ID.findall(second)
    assert len(first_ids) == len(set(first_ids)) == 3
    assert not set(first_ids) & set(second_ids)
    token = client.cookies.get("onramp_csrf")
    assert token and set(CSRF.findall(_cards(second))) == {token}
    assert len(CSRF.findall(_cards(second))) == 9  # answer, assign, close on each card
    # Apart from those, the kept cards are what a fresh drawing gives.
    for environment in app.template_engine.environments.values():
        environment.globals["question_cards"].cache_clear()
    fresh = (await client.get("/admin/questions")).text
    assert _without_page_values(_cards(fresh)) == _without_page_values(_cards(second))


async def test_what_a_card_shows_changes_on_the_next_page(client):
    asker, questions = await _world()
    hr = await make_staff("hr")
    colleague = await make_staff("hr")
    await StaffUser.update({StaffUser.name: "李主管"}).where(StaffUser.id == colleague.id)
    await sign_in_staff(client, hr)
    assert "赵六" not in (await client.get("/admin/questions")).text
    # The asker's name is not on the question's row: the card still changes.
    await Candidate.update({Candidate.name: "赵六"}).where(Candidate.id == asker.id)
    page = (await client.get("/admin/questions")).text
    assert page.count("赵六") == 3 and "王五" not in _cards(page)
    # A colleague's new name shows in every card's assignee list.
    await StaffUser.update({StaffUser.name: "李经理"}).where(StaffUser.id == colleague.id)
    page = (await client.get("/admin/questions")).text
    assert page.count("李经理") == 3 and "李主管" not in page


async def test_each_staff_member_sees_their_own_me(client):
    await _world()
    first, second = await make_staff("hr"), await make_staff("hr")
    for staff in (first, second):
        await StaffUser.update({StaffUser.name: f"员工{staff.id}"}).where(StaffUser.id == staff.id)
    pages = {}
    for staff in (first, second):
        client.cookies.clear()
        await sign_in_staff(client, staff)
        pages[staff.id] = (await client.get("/admin/questions")).text
    for staff in (first, second):
        me = re.findall(r">([^<>]*) \(我\)</option>", pages[staff.id])
        assert me == [f"员工{staff.id}"] * 3
