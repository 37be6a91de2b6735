"""Pulse surveys: built by HR (five questions at most), sent through journeys at most every
14 days, answered once (anonymously if wished), results with NPS and no small groups."""

from datetime import UTC, datetime, timedelta

from portal.domain.candidates.records import candidate_move_stage
from portal.domain.journeys.evaluation import journeys_evaluate
from portal.domain.organisation.tables import Stage
from portal.domain.surveys.building import QuestionInput, survey_create, survey_set_status
from portal.domain.surveys.invites import survey_invite_refusal
from portal.domain.surveys.responding import survey_respond, surveys_waiting
from portal.domain.surveys.results import survey_results
from portal.domain.surveys.tables import (
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyParticipation,
    SurveyResponse,
)
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_as,
    sign_in_candidate,
)
from tests.journeys.helpers import make_step, sends, texts

QUESTIONS = [
    QuestionInput(kind="score", prompt="你会向朋友推荐我们公司吗?"),
    QuestionInput(kind="choice", prompt="入职流程清楚吗?", options="清楚\n一般\n不清楚"),
    QuestionInput(kind="text", prompt="还有什么想说的?"),
]


async def _survey(status: str = "active") -> int:
    survey = await survey_create(
        staff=await make_staff("hr"), title="入职体验", questions=QUESTIONS
    )
    if status == "active":
        await survey_set_status(survey_id=survey.id, status="active")
    return survey.id


async def _question_ids(survey_id: int) -> list[int]:
    from portal.domain.surveys.tables import SurveyQuestion

    rows = await SurveyQuestion.select(SurveyQuestion.id).where(SurveyQuestion.survey == survey_id)
    return sorted(row["id"] for row in rows)


async def _invite(survey_id: int, candidate) -> None:
    """As a journey step does when it sends the survey: only invited candidates answer."""
    await SurveyInvite(survey=survey_id, candidate=candidate.id).save()


def _csrf(client) -> str:
    return client.cookies.get("onramp_csrf") or ""


async def test_hr_builds_a_survey_and_more_than_five_questions_are_refused(client):
    await sign_in_as(client, "hr")
    form = {"_csrf_token": _csrf(client), "title": "试用期调查"}
    for n in range(1, 7):
        form[f"q{n}_kind"] = "score"
        form[f"q{n}_prompt"] = f"问题{n}"
    refused = await client.post("/admin/surveys/new", data=form)
    assert refused.status_code == 400 and 'data-testid="questions-error"' in refused.text
    assert await Survey.count() == 0
    for bad in ({"q1_kind": "choice", "q1_prompt": "只有一个选项", "q1_options": "是"},
                {"q1_kind": "rating", "q1_prompt": "x"}, {"title": " "}):  # fmt: skip
        data = {"_csrf_token": _csrf(client), "title": "调查", "q1_kind": "score",
                "q1_prompt": "推荐吗?", **bad}  # fmt: skip
        assert (await client.post("/admin/surveys/new", data=data)).status_code == 400, bad
    del form["q6_kind"], form["q6_prompt"]
    made = await client.post("/admin/surveys/new", data=form, follow_redirects=False)
    assert made.status_code == 303
    survey_id = (await Survey.select(Survey.id).first())["id"]
    page = await client.get(f"/admin/surveys/{survey_id}")
    assert "问题5" in page.text
    activate = await client.post(f"/admin/surveys/{survey_id}/status",
                                 data={"_csrf_token": _csrf(client), "status": "active"},
                                 follow_redirects=False)  # fmt: skip
    assert activate.status_code == 303
    assert (await Survey.select(Survey.status).first())["status"] == "active"


async def test_managers_cannot_reach_the_survey_pages(client):
    await sign_in_as(client, "manager")
    assert (await client.get("/admin/surveys")).status_code == 403


async def test_a_candidate_answers_once_and_bad_answers_change_nothing(client):
    survey_id = await _survey()
    score, choice, text = await _question_ids(survey_id)
    candidate = await make_candidate()
    await _invite(survey_id, candidate)
    await sign_in_candidate(client, candidate)
    page = await client.get(f"/surveys/{survey_id}")
    assert page.status_code == 200 and "你会向朋友推荐我们公司吗" in page.text
    good = {"_csrf_token": _csrf(client), f"q{score}": "9", f"q{choice}": "清楚",
            f"q{text}": "<script>alert(1)</script>"}  # fmt: skip
    for bad in ({f"q{score}": "11"}, {f"q{score}": "-1"}, {f"q{score}": "七"},
                {f"q{score}": ""}, {f"q{choice}": "很好"}, {f"q{text}": "长" * 501}):  # fmt: skip
        response = await client.post(f"/surveys/{survey_id}", data={**good, **bad})
        assert response.status_code == 400, bad
    assert await SurveyResponse.count() == 0 and await SurveyAnswer.count() == 0
    sent = await client.post(f"/surveys/{survey_id}", data=good, follow_redirects=False)
    assert sent.status_code == 303
    again = await client.post(f"/surveys/{survey_id}", data={**good, f"q{score}": "0"})
    assert again.status_code == 409
    assert await SurveyResponse.count() == 1 and await SurveyParticipation.count() == 1
    row = await SurveyResponse.select().first()
    assert row["candidate"] == candidate.id and not row["is_anonymous"]
    assert 'data-testid="survey-done"' in (await client.get(f"/surveys/{survey_id}")).text


async def test_a_second_response_is_refused_by_the_unique_index_too():
    survey_id = await _survey()
    score, choice, _text = await _question_ids(survey_id)
    candidate = await make_candidate()
    await _invite(survey_id, candidate)
    answers = {f"q{score}": "8", f"q{choice}": "一般"}
    await survey_respond(candidate_id=candidate.id, survey_id=survey_id, answers=answers,
                         anonymous=True)  # fmt: skip
    from portal.domain.errors import Conflict

    try:
        await survey_respond(candidate_id=candidate.id, survey_id=survey_id, answers=answers,
                             anonymous=True)  # fmt: skip
    except Conflict:
        pass
    else:
        raise AssertionError("a second response was accepted")
    assert await SurveyResponse.count() == 1


async def test_an_anonymous_response_holds_no_candidate(client):
    survey_id = await _survey()
    score, choice, _text = await _question_ids(survey_id)
    candidate = await make_candidate(name="匿名者")
    await _invite(survey_id, candidate)
    await sign_in_candidate(client, candidate)
    await client.post(f"/surveys/{survey_id}", data={"_csrf_token": _csrf(client),
                      f"q{score}": "3", f"q{choice}": "不清楚", "anonymous": "1"})  # fmt: skip
    row = await SurveyResponse.select().first()
    assert row["candidate"] is None and row["is_anonymous"]
    assert set(row) == {"id", "survey", "candidate", "is_anonymous", "cohort", "department", "day"}


async def test_a_candidate_not_sent_the_survey_cannot_open_or_answer_it(client):
    survey_id = await _survey()
    score, choice, _text = await _question_ids(survey_id)
    invited, guesser = await make_candidate(), await make_candidate()
    await _invite(survey_id, invited)
    await sign_in_candidate(client, guesser)
    assert (await client.get(f"/surveys/{survey_id}")).status_code == 404
    posted = await client.post(f"/surveys/{survey_id}", data={"_csrf_token": _csrf(client),
                               f"q{score}": "0", f"q{choice}": "不清楚"})  # fmt: skip
    assert posted.status_code == 404
    assert await SurveyResponse.count() == 0 and await SurveyParticipation.count() == 0
    assert [s["id"] for s in await surveys_waiting(guesser.id)] == []
    assert [s["id"] for s in await surveys_waiting(invited.id)] == [survey_id]


async def test_draft_and_unknown_surveys_are_not_found(client):
    draft = await _survey(status="draft")
    await sign_in_candidate(client, await make_candidate())
    assert (await client.get(f"/surveys/{draft}")).status_code == 404
    assert (await client.get("/surveys/99999")).status_code == 404
    posted = await client.post("/surveys/99999", data={"_csrf_token": _csrf(client)})
    assert posted.status_code == 404


async def test_results_compute_nps_and_hide_groups_under_five():
    survey_id = await _survey()
    score, choice, text = await _question_ids(survey_id)
    production, stores = await make_department("生产部"), await make_department("门店")
    big = await make_cohort(production, name="大批次")
    small = await make_cohort(stores, name="小批次")
    scores_big = [10, 9, 9, 7, 3, 0]  # 3 promoters, 2 detractors of 6: +16.7
    for value in scores_big:
        c = await make_candidate(production, cohort=big)
        await _invite(survey_id, c)
        await survey_respond(candidate_id=c.id, survey_id=survey_id, anonymous=True,
                             answers={f"q{score}": str(value), f"q{choice}": "清楚",
                                      f"q{text}": "很好"})  # fmt: skip
    for value in (10, 10):
        c = await make_candidate(stores, cohort=small)
        await _invite(survey_id, c)
        await survey_respond(candidate_id=c.id, survey_id=survey_id, anonymous=False,
                             answers={f"q{score}": str(value), f"q{choice}": "一般"})  # fmt: skip
    results = await survey_results(survey_id)
    assert results.total.responses == 8
    assert results.total.nps == 37.5  # 5 promoters, 2 detractors of 8
    by_name = {g.name: g for g in results.by_cohort}
    assert by_name["大批次"].nps == 16.7
    assert not by_name["小批次"].shown and by_name["小批次"].nps is None
    assert results.texts[text] == ["很好"] * 6


async def test_a_journey_step_surveys_a_candidate_at_most_every_14_days():
    first = await _survey()
    second = await _survey()
    offer = (await Stage.select(Stage.id).where(Stage.code == "offer_sent").first())["id"]
    step_one = await make_step(trigger="stage_reached", stage_id=offer, delay_hours="72",
                               link_path=f"/surveys/{first}",
                               variants=texts(("问卷", "{name}，请填问卷：{link}")))  # fmt: skip
    step_two = await make_step(trigger="stage_reached", stage_id=offer, delay_hours="96",
                               link_path=f"/surveys/{second}",
                               variants=texts(("问卷", "{name}，再填一个：{link}")))  # fmt: skip
    candidate = await make_candidate(name="李雷")
    await candidate_move_stage(candidate_id=candidate.id, stage_id=offer)
    now = datetime.now(UTC)
    assert (await journeys_evaluate(now=now + timedelta(hours=73))).queued == 1
    done = await journeys_evaluate(now=now + timedelta(hours=97))
    assert done.queued == 0
    [skipped] = await sends(step_two)
    assert (skipped["status"], skipped["reason"]) == ("skipped", "surveyed_recently")
    assert [s["status"] for s in await sends(step_one)] == ["queued"]
    assert await SurveyInvite.count() == 1
    later = now + timedelta(days=18)
    assert await survey_invite_refusal(survey_id=second, candidate_id=candidate.id,
                                       now=later) is None  # fmt: skip
    again = await survey_invite_refusal(
        survey_id=second, candidate_id=candidate.id, now=now + timedelta(days=40)
    )
    assert again == "surveyed_recently"
    await survey_set_status(survey_id=first, status="closed")
    other = await make_candidate(name="韩梅梅")
    assert await survey_invite_refusal(survey_id=first, candidate_id=other.id,
                                       now=later) == "survey_closed"  # fmt: skip


async def test_a_journey_step_cannot_link_to_a_draft_survey():
    from portal.domain.errors import ValidationFailed

    draft = await _survey(status="draft")
    try:
        await make_step(link_path=f"/surveys/{draft}")
    except ValidationFailed as failed:
        assert "link_path" in failed.errors
    else:
        raise AssertionError("a draft survey was accepted as a link")


async def test_the_results_page_shows_nps_hides_small_groups_and_names_nobody(client):
    survey_id = await _survey()
    score, choice, text = await _question_ids(survey_id)
    production = await make_department("生产部")
    cohort = await make_cohort(production, name="大批次")
    for number, value in enumerate((10, 10, 9, 5, 8)):
        c = await make_candidate(production, cohort=cohort, name=f"答卷人{number}")
        await _invite(survey_id, c)
        await survey_respond(candidate_id=c.id, survey_id=survey_id, anonymous=number % 2 == 0,
                             answers={f"q{score}": str(value), f"q{choice}": "清楚",
                                      f"q{text}": "<b>谢谢</b>"})  # fmt: skip
    lonely = await make_cohort(await make_department("门店"), name="小批次")
    c = await make_candidate(await make_department("仓库"), name="独自一人")
    from portal.domain.candidates.tables import Candidate

    await Candidate.update({Candidate.cohort: lonely.id}).where(Candidate.id == c.id)
    await _invite(survey_id, c)
    await survey_respond(candidate_id=c.id, survey_id=survey_id, anonymous=True,
                         answers={f"q{score}": "0", f"q{choice}": "不清楚"})  # fmt: skip
    await sign_in_as(client, "hr")
    page = await client.get(f"/admin/surveys/{survey_id}")
    assert page.status_code == 200
    assert page.text.count('data-testid="hidden-group"') == 2  # 小批次 and 仓库: one each
    assert "+17" in page.text  # all 6: 3 promoters, 2 detractors (5 and 0) of 6
    assert "答卷人" not in page.text and "独自一人" not in page.text
    assert "&lt;b&gt;谢谢&lt;/b&gt;" in page.text


async def test_two_surveys_invited_at_once_for_one_candidate_invite_once():
    """Two workers evaluate the steps of two surveys for the same candidate at the same time:
    only one invitation within 14 days."""
    import asyncio

    surveys = [await _survey(), await _survey(), await _survey()]
    candidate = await make_candidate(name="并发问卷")
    now = datetime.now(UTC)
    refusals = await asyncio.gather(
        *(
            survey_invite_refusal(survey_id=survey_id, candidate_id=candidate.id, now=now)
            for survey_id in surveys
        )
    )
    assert sorted(refusals, key=str) == [None, "surveyed_recently", "surveyed_recently"]
    assert await SurveyInvite.count().where(SurveyInvite.candidate == candidate.id) == 1


async def test_a_stale_activation_does_not_reopen_a_survey_closed_meanwhile(monkeypatch):
    from portal.domain.errors import Conflict
    from portal.domain.surveys import building

    survey_id = await _survey(status="draft")
    stale = await building.survey_get(survey_id)  # the page another HR tab still shows
    await survey_set_status(survey_id=survey_id, status="active")
    await survey_set_status(survey_id=survey_id, status="closed")

    async def as_that_tab_saw_it(_survey_id):
        return stale

    monkeypatch.setattr(building, "survey_get", as_that_tab_saw_it)
    try:
        await survey_set_status(survey_id=survey_id, status="active")
    except Conflict:
        pass
    else:
        raise AssertionError("a closed survey was reopened")
    assert (await Survey.objects().get(Survey.id == survey_id)).status == "closed"
