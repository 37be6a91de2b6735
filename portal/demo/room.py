"""Demo conversation in each demo cohort's room: a welcome, a pinned notice, a Q&A."""

from __future__ import annotations

from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Cohort
from portal.domain.rooms.membership import Member, cohort_room_ensure, member_for_staff
from portal.domain.rooms.messages import message_send
from portal.domain.rooms.moderation import message_pin
from portal.domain.rooms.tables import RoomMessage
from portal.domain.staff.tables import StaffUser

_HR_WELCOME = "欢迎加入!培训前有任何问题都可以在这里问,HR 会在 24 小时内回复。"
_NOTICE = "培训首日请携带身份证原件,8:30 前到前台签到。路线图: https://example.com/route"


async def load_demo_room() -> None:
    hr = await StaffUser.objects().where(StaffUser.role == "hr").first().run()
    if hr is None:
        return
    staff = member_for_staff(hr)
    for cohort in await Cohort.select(Cohort.id).run():
        room_id = await cohort_room_ensure(cohort["id"])
        # Loaded once (the demo's backdated questions may already be in the room).
        if await RoomMessage.exists().where(RoomMessage.client_id == f"demo-welcome-{room_id}"):
            continue
        people = await Candidate.objects().where(Candidate.cohort == cohort["id"]).limit(2).run()
        await message_send(
            room_id=room_id, author=staff, client_id=f"demo-welcome-{room_id}",
            kind="chat", body=_HR_WELCOME,
        )  # fmt: skip
        notice = await message_send(
            room_id=room_id, author=staff, client_id=f"demo-notice-{room_id}",
            kind="chat", body=_NOTICE,
        )  # fmt: skip
        await message_pin(staff=hr, room_id=room_id, message_id=notice.id)
        if not people:
            continue
        asker = Member(
            kind="candidate",
            id=people[0].id,
            name=people[0].name,
            role="candidate",
            department_id=people[0].department,
            cohort_id=cohort["id"],
        )
        question = await message_send(
            room_id=room_id, author=asker, client_id=f"demo-q-{room_id}", kind="question",
            body="培训期间提供午餐吗?需要自己带工具吗?",
        )  # fmt: skip
        await message_send(
            room_id=room_id, author=staff, client_id=f"demo-a-{room_id}", kind="chat",
            body="提供免费午餐;工具和工服在第一天统一发放,不用自己带。", reply_to=question.id,
        )  # fmt: skip
        if len(people) > 1:
            await message_send(
                room_id=room_id,
                author=Member(
                    kind="candidate", id=people[1].id, name=people[1].name, role="candidate",
                    department_id=people[1].department, cohort_id=cohort["id"],
                ),
                client_id=f"demo-hi-{room_id}", kind="chat", body="大家好,我也是这期的,期待见面!",
            )  # fmt: skip
