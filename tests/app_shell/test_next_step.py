"""Home leads with one next step; "usually by" dates never pass the training start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.domain.candidates.home import candidate_home
from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Stage
from tests.app_shell.helpers import make_answered_question, make_rejected, make_template
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate
from tests.learning.helpers import make_course


def _card(page: str) -> str:
    assert page.count('data-testid="next-step"') == 1
    start = page.index('data-testid="next-step"')
    return page[start : page.index("</section>", start)]


async def _candidate_with_cohort(days: int = 20):
    department = await make_department()
    cohort = await make_cohort(department, starts_at=datetime.now(UTC) + timedelta(days=days))
    return await make_candidate(department, cohort=cohort)


async def test_next_step_comes_first_on_home(client):
    candidate = await _candidate_with_cohort()
    await make_template("学历证明")
    await sign_in_candidate(client, candidate)
    page = (await client.get("/")).text
    assert page.index('data-testid="next-step"') < page.index('data-testid="countdown"')
    card = _card(page)
    assert "学历证明" in card
    assert 'href="/checklist#item-' in card
    assert "截止" in card


async def test_document_due_soonest_is_the_next_step(client):
    candidate = await _candidate_with_cohort()
    await make_template("体检报告", days_before_start=3)
    await make_template("身份证", days_before_start=10)
    await sign_in_candidate(client, candidate)
    assert "身份证" in _card((await client.get("/")).text)


async def test_rejected_document_beats_an_answer_and_an_open_document(client):
    candidate = await _candidate_with_cohort()
    await make_template("体检报告", days_before_start=15)
    await make_answered_question(candidate)
    template = await make_rejected(candidate, "银行卡")
    await sign_in_candidate(client, candidate)
    card = _card((await client.get("/")).text)
    assert "银行卡" in card
    assert f'href="/checklist#item-{template.id}"' in card


async def test_new_answer_is_the_next_step_before_open_documents(client):
    candidate = await _candidate_with_cohort()
    await make_template("体检报告")
    room_id = await make_answered_question(candidate)
    await sign_in_candidate(client, candidate)
    assert f'href="/rooms/{room_id}"' in _card((await client.get("/")).text)


async def test_unfinished_course_when_no_document_is_open(client):
    candidate = await _candidate_with_cohort()
    course = await make_course(title="安全生产第一课", questions=3)
    await sign_in_candidate(client, candidate)
    card = _card((await client.get("/")).text)
    assert "安全生产第一课" in card
    assert f'href="/learning/courses/{course.id}"' in card


async def test_no_card_when_nothing_is_waiting(client):
    await sign_in_candidate(client, await make_candidate())
    assert 'data-testid="next-step"' not in (await client.get("/")).text


async def test_expected_by_never_falls_after_the_training_start():
    department = await make_department()
    starts_at = datetime.now(UTC) + timedelta(days=2)
    cohort = await make_cohort(department, starts_at=starts_at)
    candidate = await make_candidate(department, cohort=cohort)
    stage_id = (await Candidate.select(Candidate.stage).where(Candidate.id == candidate.id))[0][
        "stage"
    ]
    seeded = (await Stage.select(Stage.typical_days).where(Stage.id == stage_id))[0]
    await Stage.update({Stage.typical_days: 30}).where(Stage.id == stage_id)
    try:
        home = await candidate_home(candidate_id=candidate.id)
    finally:  # stages are seed data kept between tests
        await Stage.update({Stage.typical_days: seeded["typical_days"]}).where(Stage.id == stage_id)
    assert home.next_step_by is not None
    assert home.next_step_by == starts_at.astimezone(home.next_step_by.tzinfo)


async def test_expected_by_before_the_start_is_kept():
    department = await make_department()
    cohort = await make_cohort(department, starts_at=datetime.now(UTC) + timedelta(days=60))
    candidate = await make_candidate(department, cohort=cohort)
    stage_id = (await Candidate.select(Candidate.stage).where(Candidate.id == candidate.id))[0][
        "stage"
    ]
    seeded = (await Stage.select(Stage.typical_days).where(Stage.id == stage_id))[0]
    await Stage.update({Stage.typical_days: 3}).where(Stage.id == stage_id)
    try:
        home = await candidate_home(candidate_id=candidate.id)
    finally:  # stages are seed data kept between tests
        await Stage.update({Stage.typical_days: seeded["typical_days"]}).where(Stage.id == stage_id)
    assert home.next_step_by is not None
    assert home.next_step_by < cohort.starts_at
