"""Demo learning content: a published course with a quiz, and a small reward catalogue."""

from __future__ import annotations

from portal.domain.learning.courses import (
    CourseInput,
    course_create,
    course_update,
    lesson_create,
    question_create,
)
from portal.domain.learning.rewards import RewardInput, reward_create
from portal.domain.learning.tables import Course, Reward

DEMO_COURSE = "安全生产第一课"

LESSONS = (
    (
        "为什么安全第一",
        "在车间里,**每一个动作都有标准**。\n\n"
        "- 进入车间必须穿戴工作服、安全鞋和护目镜\n"
        "- 设备运行时不要把手伸进防护罩\n"
        "- 发现隐患,立即告诉班组长\n",
    ),
    (
        "遇到紧急情况怎么办",
        "记住三步:**停机、报告、撤离**。\n\n"
        "1. 按下最近的急停按钮\n2. 大声呼叫班组长\n3. 沿绿色指示牌走到集合点\n",
    ),
)

QUESTIONS = (
    (
        "进入车间前必须穿戴什么?",
        "multiple",
        "工作服、安全鞋和护目镜缺一不可。",
        "*工作服\n*安全鞋\n*护目镜\n拖鞋",
    ),
    (
        "设备运行时,手可以伸进防护罩吗?",
        "single",
        "任何时候都不可以,先停机再处理。",
        "可以,动作快一点就行\n*不可以",
    ),
    (
        "遇到紧急情况,第一步做什么?",
        "single",
        "先按急停按钮让设备停下来。",
        "*按下急停按钮\n先拍照留证\n继续工作",
    ),
)


async def load_demo_learning() -> None:
    if not await Course.exists().where(Course.title == DEMO_COURSE):
        course = await course_create(
            data=CourseInput(
                title=DEMO_COURSE,
                summary="10 分钟了解车间安全规则,答对即可获得积分。",
                minutes=10,
                weight=2,
            )
        )
        for title, body in LESSONS:
            await lesson_create(course_id=course.id, title=title, body=body)
        for prompt, kind, explanation, choices in QUESTIONS:
            await question_create(
                course_id=course.id,
                prompt=prompt,
                kind=kind,
                explanation=explanation,
                choices_text=choices,
            )
        await course_update(
            course_id=course.id,
            data=CourseInput(
                title=DEMO_COURSE,
                summary="10 分钟了解车间安全规则,答对即可获得积分。",
                minutes=10,
                weight=2,
                status="published",
            ),
        )
    if not await Reward.exists():
        await reward_create(
            data=RewardInput(
                name="入职欢迎礼包", price=15, stock=50, description="水杯、笔记本和工牌挂绳"
            )
        )
        await reward_create(
            data=RewardInput(name="50 元购物券", price=40, stock=10, per_candidate_limit=1)
        )
