"""The bottom tab bar: on every signed-in candidate page, current tab marked, badges counted."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.shell.tables import CandidateSeen
from tests.app_shell.helpers import make_answered_question, make_rejected
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate
from tests.messaging.helpers import inbox_to


def _badge(page: str, tab: str) -> str | None:
    match = re.search(rf'data-testid="badge-{tab}">(\d+)', page)
    return match.group(1) if match else None


def _current(page: str) -> list[str]:
    return re.findall(r'data-tab="(\w+)" aria-current="page"', page)


@pytest.mark.parametrize(
    ("path", "tab"),
    [
        ("/", "home"),
        ("/learning", "learn"),
        ("/inbox", "inbox"),
        ("/me", "me"),
        ("/checklist", "me"),
        ("/profile", "me"),
        ("/rewards", "learn"),
        ("/resources", "me"),
        ("/growth", "me"),
        ("/contact", "chat"),  # a redirect to the candidate's private thread with HR
    ],
)
async def test_every_tab_page_marks_its_tab_current(client, path, tab):
    await sign_in_candidate(client, await make_candidate())
    page = (await client.get(path, follow_redirects=True)).text
    assert 'data-testid="tabbar"' in page
    assert _current(page) == [tab]
    # One sprite per page; every icon uses it.
    assert page.count('<svg class="sprite"') == 1
    assert page.count('<use href="#i-') == 5


async def test_room_page_has_the_tab_bar_on_chat(client):
    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    await sign_in_candidate(client, candidate)
    response = await client.get("/rooms", follow_redirects=True)
    assert _current(response.text) == ["chat"]


async def test_signed_out_pages_have_no_tab_bar(client):
    page = (await client.get("/welcome")).text
    assert 'data-testid="tabbar"' not in page


async def test_no_badges_when_nothing_is_new(client):
    await sign_in_candidate(client, await make_candidate())
    page = (await client.get("/")).text
    assert 'class="badge"' not in page


async def test_inbox_badge_counts_unread_rows_of_the_inbox(client):
    candidate = await make_candidate()
    for number in range(3):
        await message_enqueue(message=inbox_to(candidate, subject=f"消息 {number}"))
    await sign_in_candidate(client, candidate)
    assert _badge((await client.get("/learning")).text, "inbox") == "3"
    inbox = (await client.get("/inbox")).text
    first_id = re.search(r'href="/inbox/(\d+)"', inbox).group(1)
    await client.get(f"/inbox/{first_id}")
    assert _badge((await client.get("/learning")).text, "inbox") == "2"


async def test_rejected_document_shows_on_the_me_tab(client):
    candidate = await make_candidate()
    await make_rejected(candidate)
    await sign_in_candidate(client, candidate)
    assert _badge((await client.get("/")).text, "me") == "1"


async def test_new_answer_badge_clears_once_the_room_is_opened(client):
    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    room_id = await make_answered_question(candidate)
    await sign_in_candidate(client, candidate)
    assert _badge((await client.get("/")).text, "chat") == "1"
    room = await client.get(f"/rooms/{room_id}")
    assert room.status_code == 200
    assert _badge(room.text, "chat") is None
    assert _badge((await client.get("/")).text, "chat") is None
    assert await CandidateSeen.count().where(CandidateSeen.candidate == candidate.id) == 1
    # A later answer is new again.
    await make_answered_question(candidate, answered_at=datetime.now(UTC) + timedelta(seconds=5))
    assert _badge((await client.get("/")).text, "chat") == "1"


async def test_someone_elses_answers_and_documents_do_not_count(client):
    department = await make_department()
    cohort = await make_cohort(department)
    me = await make_candidate(department, cohort=cohort)
    other = await make_candidate(department, cohort=cohort)
    await make_answered_question(other)
    await make_rejected(other)
    await message_enqueue(message=inbox_to(other, subject="别人的消息"))
    await sign_in_candidate(client, me)
    assert 'class="badge"' not in (await client.get("/")).text


def test_a_request_without_state_has_no_shell():
    """A request built by hand (a tool, a test) may have no state dict: no shell, no error."""
    from types import SimpleNamespace

    from portal.web.app_shell import app_shell_of

    assert app_shell_of(SimpleNamespace(scope={})) is None
    assert app_shell_of(SimpleNamespace(scope={"state": {}})) is None
