"""Demo questions for the SLA tracker: some with plenty of time, some due soon, one overdue.

Asked through the room's own send, then moved back in time (demo only) so the tracker
shows every colour at once; the watcher then records the due warnings and the breach.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.domain.candidates.tables import Candidate
from portal.domain.rooms.membership import Member, cohort_room_ensure
from portal.domain.rooms.messages import message_send
from portal.domain.rooms.tables import QuestionCategory, RoomMessage, RoomQuestion
from portal.domain.sla.watch import sla_check

# (asker's phone, category, private, hours since asked, body)
_QUESTIONS = (
    ("13800138000", "岗位职责", False, 26, "装配工每天要站着工作多久?有没有轮岗?"),
    ("13800138001", "薪资福利", True, 21.5, "试用期工资是按月发还是按周发?第一次发薪是哪天?"),
    ("13800138003", "培训安排", False, 18, "培训期间每天几点开始、几点结束?中午可以回宿舍休息吗?"),
    ("13800138001", "入职材料", False, 2, "体检报告一定要去指定医院做吗?外地的可以吗?"),
    ("13800138003", "其他", True, 0.2, "我有一辆电动车,园区里可以停吗?"),
)


async def load_demo_sla(now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    categories = {row["name"]: row["id"] for row in await QuestionCategory.select()}
    for index, (phone, category, private, hours_ago, body) in enumerate(_QUESTIONS):
        client_id = f"demo-sla-{index}"
        if await RoomMessage.exists().where(RoomMessage.client_id == client_id):
            continue
        asker = await Candidate.objects().get(Candidate.phone == phone)
        if asker is None or asker.cohort is None:
            continue
        room_id = await cohort_room_ensure(asker.cohort)
        member = Member(
            kind="candidate",
            id=asker.id,
            name=asker.name,
            role="candidate",
            department_id=asker.department,
            cohort_id=asker.cohort,
        )
        sent = await message_send(
            room_id=room_id,
            author=member,
            client_id=client_id,
            kind="question",
            body=body,
            private=private,
            category_id=categories.get(category),
        )
        asked_at = now - timedelta(hours=hours_ago)
        question = await RoomQuestion.objects().get(RoomQuestion.message == sent.id)
        if question is None:
            continue
        shift = asked_at - question.asked_at
        await RoomQuestion.update(
            {
                RoomQuestion.asked_at: asked_at,
                RoomQuestion.deadline_at: question.deadline_at + shift,
                RoomQuestion.updated_at: asked_at,
            }
        ).where(RoomQuestion.id == question.id)
        await RoomMessage.update({RoomMessage.created_at: asked_at}).where(
            RoomMessage.id == sent.id
        )
    await sla_check(now)
