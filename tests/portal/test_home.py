from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.domain.candidates.records import candidate_move_stage
from portal.domain.organisation.tables import Stage
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate


async def _stage_id(code: str) -> int:
    return (await Stage.select(Stage.id).where(Stage.code == code).first())["id"]


async def test_home_shows_welcome_ordinal_and_countdown(client):
    department = await make_department("生产部", last_ordinal=122)
    cohort = await make_cohort(
        department,
        starts_at=datetime.now(UTC) + timedelta(days=12, hours=1),
        place="苏州工业园区星湖街 328 号",
        name="生产部 12 月第 3 期",
    )
    candidate = await make_candidate(department, cohort=cohort, name="张三")
    await sign_in_candidate(client, candidate)
    page = (await client.get("/")).text
    assert "欢迎你，张三！" in page
    assert "你是我们第 123 位加入生产部的伙伴" in page
    assert "距离培训还有" in page
    assert "苏州工业园区星湖街 328 号" in page
    assert "生产部 12 月第 3 期" in page


async def test_starts_tomorrow_reads_naturally(client):
    department = await make_department()
    now_shanghai = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    tomorrow_nine = (now_shanghai + timedelta(days=1)).replace(hour=9, minute=0, second=0)
    cohort = await make_cohort(department, starts_at=tomorrow_nine)
    candidate = await make_candidate(department, cohort=cohort)
    await sign_in_candidate(client, candidate)
    assert "明天就开始培训啦" in (await client.get("/")).text


async def test_candidate_without_cohort_sees_a_clear_message(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    response = await client.get("/")
    assert response.status_code == 200
    assert "你的培训日期还未确定" in response.text


async def test_progress_marks_done_current_and_next_step(client):
    candidate = await make_candidate()
    for code in ("background_check", "offer_sent"):
        await candidate_move_stage(candidate_id=candidate.id, stage_id=await _stage_id(code))
    await sign_in_candidate(client, candidate)
    page = (await client.get("/")).text
    assert page.count('class="done"') == 2
    assert 'class="current" aria-current="step"' in page
    current = page.split('aria-current="step"')[1].split("</li>")[0]
    assert "Offer 已发放" in current
    assert "请查收并确认 Offer" in current
    assert "预计在" in current
    assert page.count('class="todo"') == 3


async def test_stages_in_english_where_hr_named_them_so(client):
    """The English page shows a stage's English name and next step; a stage HR named only
    in Chinese keeps its Chinese name rather than a blank."""
    background = await Stage.objects().get(Stage.code == "background_check")
    await Stage.update({Stage.name_en: ""}).where(Stage.id == background.id)
    try:  # stages are seeded once per database, not cleaned after each test
        candidate = await make_candidate()
        offer = await _stage_id("offer_sent")
        await candidate_move_stage(candidate_id=candidate.id, stage_id=offer)
        await sign_in_candidate(client, candidate)
        page = (await client.get("/", headers={"Accept-Language": "en"})).text
        current = page.split('aria-current="step"')[1].split("</li>")[0]
        assert "Offer sent" in current
        assert "Please read and accept your offer" in current
        assert "Offer 已发放" not in page
        assert background.name in page
        assert "Offer 已发放" in (await client.get("/")).text  # Chinese where the browser is
    finally:
        await Stage.update({Stage.name_en: background.name_en}).where(Stage.id == background.id)


async def test_english_when_the_browser_asks_for_it(client):
    candidate = await make_candidate(name="Li Na")
    await sign_in_candidate(client, candidate)
    page = (await client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})).text
    assert "Welcome, Li Na!" in page
    assert '<html lang="en">' in page
    # A Chinese browser (and no preference at all) gets zh-CN.
    assert "欢迎你" in (await client.get("/", headers={"Accept-Language": "zh-TW"})).text
    assert "欢迎你" in (await client.get("/")).text


async def test_language_switch_is_remembered(client):
    candidate = await make_candidate(name="Li Na")
    await sign_in_candidate(client, candidate)
    switched = await client.get("/lang/en?next_path=/", follow_redirects=False)
    assert switched.headers["location"] == "/"
    assert "Welcome, Li Na!" in (await client.get("/")).text


async def test_language_switch_never_redirects_off_site(client):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = await client.get(f"/lang/en?next_path={target}", follow_redirects=False)
        assert response.headers["location"] == "/"


async def test_signed_out_visitor_is_sent_to_welcome(client):
    response = await client.get("/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/welcome"
    welcome = await client.get("/welcome")
    assert "请打开 HR 通过短信或消息发给你的登录链接" in welcome.text


async def test_script_in_a_name_is_escaped(client):
    candidate = await make_candidate(name="<script>alert(1)</script>")
    await sign_in_candidate(client, candidate)
    page = (await client.get("/")).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


async def test_each_stage_shows_when_it_was_last_entered(client):
    from portal.domain.candidates.home import candidate_home_page
    from portal.domain.candidates.tables import StageChange

    candidate = await make_candidate()
    for code in ("background_check", "offer_sent", "background_check", "offer_sent"):
        await candidate_move_stage(candidate_id=candidate.id, stage_id=await _stage_id(code))
    offer = await _stage_id("offer_sent")
    first, second = [
        row["id"]
        for row in await StageChange.select(StageChange.id)
        .where((StageChange.candidate == candidate.id) & (StageChange.to_stage == offer))
        .order_by(StageChange.id)
    ]
    # The history is read by time, not by row order: the later time wins whichever row has it.
    later = datetime(2026, 2, 10, 3, 0, tzinfo=UTC)
    await StageChange.update({StageChange.changed_at: later}).where(StageChange.id == first)
    await StageChange.update(
        {StageChange.changed_at: datetime(2026, 1, 5, 3, 0, tzinfo=UTC)}
    ).where(StageChange.id == second)
    home = (await candidate_home_page(candidate_id=candidate.id)).home
    current = next(step for step in home.steps if step.state == "current")
    assert current.reached_at == later
    assert current.reached_at.utcoffset() is not None
    untouched = [step for step in home.steps if step.state == "todo"]
    assert untouched and all(step.reached_at is None for step in untouched)
    await sign_in_candidate(client, candidate)
    page = (await client.get("/")).text
    assert "2026年2月10日" in page.split('aria-current="step"')[1].split("</li>")[0]
