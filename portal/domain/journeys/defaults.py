"""The journey Onramp ships: a few timely, useful messages, never a flood.

Created once per database, the first time a process starts with journeys on (and by the
demo): ``INSERT … ON CONFLICT DO NOTHING`` on the journey's unique key lets exactly one of
several starting workers create it, and a journey HR has edited is never touched again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.db import write_transaction
from portal.domain.journeys.tables import Journey, JourneyStep, JourneyVariant
from portal.domain.organisation.tables import Stage

DEFAULT_KEY = "default"


@dataclass(frozen=True)
class DefaultStep:
    key: str
    name: str
    trigger: str
    texts: tuple[str, str, str, str]  # subject zh, body zh, subject en, body en
    stage: str | None = None
    delay_hours: int = 0
    offset_days: int = 0
    at_time: str = "10:00"
    weekday: int = 4
    due_in_days: int = 3
    event: str = ""
    channels: str = "inbox,sms"
    category: str = "engagement"
    link_path: str = "/"
    goal: str = ""


DEFAULT_STEPS = (
    DefaultStep(
        key="welcome",
        name="Offer + 24 h: welcome",
        trigger="stage_reached",
        stage="offer_sent",
        delay_hours=24,
        link_path="/",
        texts=(
            "欢迎加入{department}！",
            "{name}，你好！欢迎加入{department}。部门经理给你录了一段欢迎视频：{video_link}",
            "Welcome to {department}!",
            "Hi {name}, welcome to {department}! Your manager recorded a welcome video for "
            "you: {video_link}",
        ),
    ),
    DefaultStep(
        key="process",
        name="Interview passed: what happens next",
        trigger="stage_reached",
        stage="interview_passed",
        delay_hours=2,
        channels="inbox",
        link_path="/",
        texts=(
            "面试通过，接下来的流程",
            "{name}，恭喜你通过面试！接下来是背景调查和 Offer，之后我们会安排你的培训批次。"
            "每一步的进度都可以在这里查看：{link}",
            "You passed the interview: what comes next",
            "Congratulations {name}, you passed the interview! Next come the background check "
            "and your offer; then we place you in a training batch. Follow every step here: "
            "{link}",
        ),
    ),
    DefaultStep(
        key="ten_days",
        name="10 days before the start: what to bring",
        trigger="cohort_relative",
        offset_days=-10,
        link_path="/checklist",
        goal="checklist_handed_in",
        texts=(
            "还有 {days_left} 天开始培训：请准备这些材料",
            "{name}，距离培训还有 {days_left} 天。请对照清单准备材料（身份证、健康证明、"
            "照片），培训地点：{place}。清单：{link}",
            "{days_left} days to go: what to bring",
            "{name}, training starts in {days_left} days at {place}. Bring the documents "
            "on your checklist: {link}",
        ),
    ),
    DefaultStep(
        key="one_day",
        name="1 day before: time, place, map",
        trigger="cohort_relative",
        offset_days=-1,
        at_time="10:00",
        category="transactional",
        link_path="/",
        texts=(
            "明天见：{start_at}",
            "{name}，明天就要开始培训啦！时间：{start_at}，地点：{place}。地图：{map_link}",
            "See you tomorrow: {start_at}",
            "{name}, training starts tomorrow! Time: {start_at}. Place: {place}. Map: {map_link}",
        ),
    ),
    DefaultStep(
        key="friday_digest",
        name="Friday digest",
        trigger="weekly",
        weekday=4,
        at_time="18:00",
        channels="inbox,email",
        category="digest",
        link_path="/learning",
        goal="course_started",
        texts=(
            "本周小结：距离培训还有 {days_left} 天",
            "{name}，周末愉快！距离培训还有 {days_left} 天。\n\n{digest}\n\n去看看：{link}",
            "Your week: {days_left} days to go",
            "Have a good weekend, {name}! {days_left} days until training.\n\n{digest}\n\n"
            "Take a look: {link}",
        ),
    ),
    DefaultStep(
        key="deadline_nudge",
        name="Checklist item due in 3 days",
        trigger="checklist_due",
        due_in_days=3,
        link_path="/checklist",
        goal="checklist_handed_in",
        texts=(
            "提醒：{item} 将于 {deadline} 截止",
            "{name}，“{item}” 将于 {deadline} 截止，还没有提交。用手机拍照上传即可：{link}",
            "Reminder: {item} is due {deadline}",
            "{name}, “{item}” is due {deadline} and not handed in yet. Take a photo with "
            "your phone and upload it: {link}",
        ),
    ),
    DefaultStep(
        key="question_answered",
        name="Your question was answered",
        trigger="event",
        event="question_answered",
        channels="inbox",
        category="transactional",
        link_path="/rooms",
        texts=(
            "你的问题有回复了",
            "{name}，HR 回复了你的问题，点这里查看：{link}",
            "Your question has an answer",
            "{name}, HR answered your question: {link}",
        ),
    ),
    DefaultStep(
        key="document_approved",
        name="Document approved",
        trigger="event",
        event="document_approved",
        channels="inbox",
        category="transactional",
        link_path="/checklist",
        texts=(
            "{item} 已通过审核",
            "{name}，你提交的“{item}”已通过审核。",
            "{item} approved",
            "{name}, your “{item}” has been approved.",
        ),
    ),
    DefaultStep(
        key="document_rejected",
        name="Document needs a new upload",
        trigger="event",
        event="document_rejected",
        category="transactional",
        link_path="/checklist",
        goal="checklist_handed_in",
        texts=(
            "{item} 需要重新上传",
            "{name}，“{item}” 需要重新上传：{reason} 上传：{link}",
            "Please upload {item} again",
            "{name}, please upload “{item}” again: {reason} Upload: {link}",
        ),
    ),
    DefaultStep(
        key="reward_fulfilled",
        name="Reward handed over",
        trigger="event",
        event="reward_fulfilled",
        channels="inbox",
        category="transactional",
        link_path="/rewards",
        texts=(
            "你的奖励已发放：{reward}",
            "{name}，你兑换的“{reward}”已发放，请查收。",
            "Your reward is on its way: {reward}",
            "{name}, your “{reward}” has been handed over.",
        ),
    ),
    DefaultStep(
        key="login_link",
        name="New sign-in link",
        trigger="event",
        event="login_link_created",
        channels="sms,email",
        category="transactional",
        texts=(
            "你的登录链接",
            "{name}，点此登录入职门户（仅限一次）：{link}",
            "Your sign-in link",
            "{name}, tap to sign in to the onboarding portal (works once): {link}",
        ),
    ),
)


async def default_journey_ensure() -> int | None:
    """Create the shipped journey unless it exists; its id when created now, else None."""
    now = datetime.now(UTC)
    async with write_transaction():
        inserted = await (
            Journey.insert(
                Journey(
                    key=DEFAULT_KEY,
                    name="入职前旅程 · Pre-boarding journey",
                    description="Onramp's default messages from offer to the first day.",
                    created_at=now,
                )
            )
            .on_conflict(target=Journey.key, action="DO NOTHING")
            .returning(Journey.id)
        )
        if not inserted:
            return None
        journey_id = inserted[0]["id"]
        stages = {row["code"]: row["id"] for row in await Stage.select(Stage.code, Stage.id)}
        for order, spec in enumerate(DEFAULT_STEPS, start=1):
            if spec.stage is not None and spec.stage not in stages:
                continue  # HR renamed the pipeline: leave the step out rather than guess
            step = JourneyStep(
                journey=journey_id,
                key=spec.key,
                sort_order=order,
                name=spec.name,
                trigger=spec.trigger,
                stage=stages.get(spec.stage) if spec.stage else None,
                delay_hours=spec.delay_hours,
                offset_days=spec.offset_days,
                at_time=spec.at_time,
                weekday=spec.weekday,
                due_in_days=spec.due_in_days,
                event=spec.event,
                channels=spec.channels,
                category=spec.category,
                link_path=spec.link_path,
                goal=spec.goal,
                created_at=now,
                updated_at=now,
            )
            await step.save()
            subject_zh, body_zh, subject_en, body_en = spec.texts
            await JourneyVariant(
                step=step.id,
                label="A",
                subject_zh=subject_zh,
                body_zh=body_zh,
                subject_en=subject_en,
                body_en=body_en,
                created_at=now,
            ).save()
    return journey_id
