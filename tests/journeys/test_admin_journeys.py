"""HR's journey pages: editing with errors and nothing saved, previews, figures, A/B, roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from scipy import stats

from portal.domain.errors import ValidationFailed
from portal.domain.journeys.defaults import DEFAULT_STEPS, default_journey_ensure
from portal.domain.journeys.editing import StepInput, VariantInput, step_check
from portal.domain.journeys.figures import step_figures
from portal.domain.journeys.placeholders import TemplateInvalid, template_render
from portal.domain.journeys.specs import variant_index
from portal.domain.journeys.statistics import two_proportion_test
from portal.domain.journeys.tables import (
    Journey,
    JourneySend,
    JourneyStep,
    JourneyVariant,
    MessageLink,
)
from portal.domain.learning.tables import Course, QuizAttempt
from tests.factories import (
    make_candidate,
    make_cohort,
    sign_in_as,
)
from tests.journeys.helpers import make_journey, make_step, step_row, texts

ALLOWED = ("name", "link")


def test_placeholders_render_and_refuse_anything_else():
    assert template_render("{name}，{{你好}}", {"name": "张三"}, allowed=ALLOWED) == "张三，{你好}"
    # Values are never parsed: a name that looks like a template stays text.
    assert template_render("{name}", {"name": "{link}"}, allowed=ALLOWED) == "{link}"
    for bad in ("{nmae}", "{name.__class__}", "{0}", "{name", "name}", "{ name }", "{link!r}"):
        with pytest.raises(TemplateInvalid):
            template_render(bad, {}, allowed=ALLOWED)


def test_variant_assignment_is_stable_and_roughly_even():
    first = [variant_index("step:7", candidate, 2) for candidate in range(1, 2001)]
    again = [variant_index("step:7", candidate, 2) for candidate in range(1, 2001)]
    assert first == again
    assert 900 < sum(first) < 1100
    # Another experiment shuffles differently: no candidate is always "B".
    other = [variant_index("step:8", candidate, 2) for candidate in range(1, 2001)]
    assert first != other


def test_the_two_proportion_test_matches_scipy():
    result = two_proportion_test(30, 200, 55, 200)
    chi2, p, _dof, _expected = stats.chi2_contingency([[30, 170], [55, 145]], correction=False)
    assert result.method == "z"
    assert result.p_value == pytest.approx(p)
    assert result.z == pytest.approx(chi2**0.5) and result.z > 0
    assert result.significant
    small = two_proportion_test(1, 4, 3, 4)
    assert small.method == "fisher"
    assert small.p_value == pytest.approx(stats.fisher_exact([[1, 3], [3, 1]]).pvalue)


async def test_every_default_step_passes_the_editors_checks():
    await default_journey_ensure()
    assert await default_journey_ensure() is None  # once
    steps = await JourneyStep.select()
    assert len(steps) == len(DEFAULT_STEPS)
    for row in steps:
        [variant] = await JourneyVariant.select().where(JourneyVariant.step == row["id"])
        await step_check(
            StepInput(
                name=row["name"], trigger=row["trigger"], stage_id=row["stage"],
                delay_hours=str(row["delay_hours"]), offset_days=str(row["offset_days"]),
                at_time=row["at_time"], weekday=str(row["weekday"]),
                due_in_days=str(row["due_in_days"]), event=row["event"],
                channels=tuple(row["channels"].split(",")), category=row["category"],
                link_path=row["link_path"], goal=row["goal"],
                variants=(VariantInput(None, "A", variant["subject_zh"], variant["body_zh"],
                                       variant["subject_en"], variant["body_en"]),),
            )
        )  # fmt: skip


async def test_an_unknown_variable_is_refused_and_nothing_is_saved():
    step = await make_step(trigger="event", event="document_approved", category="transactional")
    before = await step_row(step)
    from portal.domain.journeys.editing import step_save

    with pytest.raises(ValidationFailed) as refused:
        await step_save(
            step_id=step, journey_id=before["journey"], staff_id=None,
            data=StepInput(
                name="改名了", trigger="event", event="document_approved", category="transactional",
                variants=texts(("ok", "{name} {item}"), ("B", "{name.__class__} {days_left}")),
            ),
        )  # fmt: skip
    assert "variants[1].body_zh" in refused.value.errors
    assert (await step_row(step))["name"] == before["name"]
    assert len(await JourneyVariant.select().where(JourneyVariant.step == step)) == 1
    # {reward} exists, but not for this trigger.
    with pytest.raises(ValidationFailed):
        await step_check(
            StepInput(
                name="x", trigger="weekly", category="digest", variants=texts(("a", "{reward}"))
            )
        )


async def test_bad_input_each_gets_its_own_error(settings_env):
    settings_env(ONRAMP_SMS_MAX_CHARS="60")
    with pytest.raises(ValidationFailed) as refused:
        await step_check(
            StepInput(
                name="", trigger="cohort_relative", offset_days="-999", at_time="25:00",
                channels=("email", "sms", "fax"), category="transactional", link_path="https://x",
                goal="world_peace", audience_tags="没有这个标签",
                variants=(VariantInput(None, "A", "两行\n主题", "很长的短信" * 30),),
            )
        )  # fmt: skip
    errors = refused.value.errors
    for field in ("name", "offset_days", "at_time", "channels", "link_path", "goal",
                  "audience_tags", "variants[0].subject_zh", "variants[0].body_zh"):  # fmt: skip
        assert field in errors, field


async def _csrf(client) -> str:
    return client.cookies.get("onramp_csrf")


async def test_editing_in_the_admin_shows_the_error_next_to_the_field(client):
    await sign_in_as(client)
    await default_journey_ensure()
    step = await JourneyStep.select().where(JourneyStep.key == "document_rejected").first()
    page = await client.get(f"/admin/journeys/steps/{step['id']}")
    assert page.status_code == 200 and "{reason}" in page.text
    form = {
        "_csrf_token": await _csrf(client), "name": "退回提醒", "enabled": "1",
        "trigger": "event", "event": "document_rejected", "category": "transactional",
        "channels": "inbox", "link_path": "/checklist", "goal": "",
        "variant-0-id": "", "variant-0-label": "A", "variant-0-subject_zh": "退回",
        "variant-0-body_zh": "{name}：{unknown}", "variant-0-subject_en": "",
        "variant-0-body_en": "",
    }  # fmt: skip
    for name in ("stage", "delay_hours", "offset_days", "at_time", "weekday", "due_in_days",
                 "audience_department", "audience_position", "audience_cohort", "audience_stage",
                 "audience_tags"):  # fmt: skip
        form.setdefault(name, "")
    form["variant-0-id"] = str(
        (await JourneyVariant.select().where(JourneyVariant.step == step["id"]).first())["id"]
    )
    response = await client.post(f"/admin/journeys/steps/{step['id']}", data=form)
    assert response.status_code == 400
    assert (
        "{unknown}" in response.text and 'data-testid="error-variants[0].body_zh"' in response.text
    )
    assert (await step_row(step["id"]))["name"] == step["name"]
    form["variant-0-body_zh"] = "{name}：{item} 需要重传，{reason}"
    saved = await client.post(
        f"/admin/journeys/steps/{step['id']}", data=form, follow_redirects=False
    )
    assert saved.status_code == 303
    assert (await step_row(step["id"]))["name"] == "退回提醒"
    # Adding a variant makes it an A/B test.
    form["action"] = "add_variant"
    more = await client.post(f"/admin/journeys/steps/{step['id']}", data=form)
    assert 'name="variant-1-label" value="B"' in more.text


async def test_preview_renders_the_step_for_a_real_candidate(client):
    await sign_in_as(client)
    await default_journey_ensure()
    cohort = await make_cohort(place="苏州工业园区")
    candidate = await make_candidate(name="预览人", cohort=cohort)
    step = await JourneyStep.select().where(JourneyStep.key == "one_day").first()
    page = await client.get(f"/admin/journeys/steps/{step['id']}/preview?candidate={candidate.id}")
    assert page.status_code == 200
    assert "预览人，明天就要开始培训啦" in page.text and "苏州工业园区" in page.text
    assert "training starts tomorrow" in page.text  # the English text too
    assert await MessageLink.count() == 0  # a preview makes no link
    by_name = await client.get(f"/admin/journeys/steps/{step['id']}/preview?candidate=预览人")
    assert "预览人，明天就要开始培训啦" in by_name.text
    missing = await client.get(f"/admin/journeys/steps/{step['id']}/preview?candidate=无此人")
    assert missing.status_code == 404


async def test_managers_get_403_on_every_journey_page(client):
    await sign_in_as(client, "manager")
    step = await make_step()
    for path in ("/admin/journeys", f"/admin/journeys/steps/{step}",
                 f"/admin/journeys/steps/{step}/figures", "/admin/journeys/sends"):  # fmt: skip
        assert (await client.get(path)).status_code == 403, path
    response = await client.post(
        f"/admin/journeys/steps/{step}/enabled", data={"_csrf_token": await _csrf(client)}
    )
    assert response.status_code == 403
    assert (await step_row(step))["enabled"] is True


async def test_hr_switches_a_step_off_from_the_overview(client):
    await sign_in_as(client)
    step = await make_step(name="欢迎")
    overview = await client.get("/admin/journeys")
    assert "欢迎" in overview.text
    await client.post(
        f"/admin/journeys/steps/{step}/enabled", data={"_csrf_token": await _csrf(client)}
    )
    assert (await step_row(step))["enabled"] is False


async def test_figures_per_variant_with_the_test_statistic(client):
    await sign_in_as(client)
    journey = await make_journey()
    step = await make_step(
        journey, trigger="stage_reached", stage_id=None or (await _offer()),
        goal="course_started", variants=texts(("A", "a {name}"), ("B", "b {name}")),
    )  # fmt: skip
    variants = (
        await JourneyVariant.select().where(JourneyVariant.step == step).order_by(JourneyVariant.id)
    )
    course = Course(title="第一课", status="published")
    await course.save()
    now = datetime.now(UTC) - timedelta(days=5)
    # A: 20 sent, 4 started a course in time (and one too late); B: 20 sent, 14 in time.
    for index in range(40):
        candidate = await make_candidate(name=f"c{index}")
        variant = variants[0] if index < 20 else variants[1]
        send = JourneySend(step=step, candidate=candidate.id, variant=variant["id"],
                           status="queued", moment=now, created_at=now)  # fmt: skip
        await send.save()
        started = index < 4 or 20 <= index < 34
        late = index == 5
        if started or late:
            at = now + (timedelta(hours=100) if late else timedelta(hours=3))
            await QuizAttempt(token=f"t{index}", candidate=candidate.id, course=course.id,
                              created_at=at).save()  # fmt: skip
    figures = await step_figures(step_id=step, goal="course_started")
    assert [(v.label, v.sent, v.goal) for v in figures.variants] == [("A", 20, 4), ("B", 20, 14)]
    [comparison] = figures.comparisons
    chi2, p, _dof, _expected = stats.chi2_contingency([[4, 16], [14, 6]], correction=False)
    assert comparison.test.p_value == pytest.approx(p)
    assert comparison.test.z == pytest.approx(chi2**0.5)
    page = await client.get(f"/admin/journeys/steps/{step}/figures")
    assert page.status_code == 200
    assert f"{p:.4f}" in page.text and f"{chi2**0.5:.2f}" in page.text


async def _offer() -> int:
    from portal.domain.organisation.tables import Stage

    return (await Stage.select(Stage.id).where(Stage.code == "offer_sent").first())["id"]


async def test_a_journey_that_is_off_sends_nothing():
    from portal.domain.candidates.records import candidate_move_stage
    from portal.domain.journeys.evaluation import journeys_evaluate

    journey = await make_journey()
    await make_step(journey, trigger="stage_reached", stage_id=await _offer())
    await Journey.update({Journey.is_active: False}).where(Journey.id == journey)
    candidate = await make_candidate()
    await candidate_move_stage(candidate_id=candidate.id, stage_id=await _offer())
    done = await journeys_evaluate(now=datetime.now(UTC) + timedelta(minutes=1))
    assert done.queued == 0


def test_no_journey_text_is_rendered_with_str_format():
    # The template language is ours: a reviewer grepping for .format( on templates finds none.
    from pathlib import Path

    for path in Path("portal/domain/journeys").glob("*.py"):
        assert not re.search(r"body\w*\.format\(|subject\w*\.format\(", path.read_text()), path
