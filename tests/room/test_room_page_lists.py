"""The room page's categories and "was this helpful?" list, read in one query: the same
rows, in the same order, as the two reads they replace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.domain.rooms.page_lists import room_page_lists
from portal.domain.rooms.questions import active_categories
from portal.domain.rooms.tables import QuestionCategory, RoomMessage, RoomQuestion
from portal.domain.sla.feedback import PENDING_SHOWN, feedback_pending
from portal.domain.sla.tables import AnswerFeedback
from tests.factories import make_candidate, make_cohort, make_department
from tests.sla.helpers import make_question, make_room


async def test_the_lists_are_what_the_two_reads_give():
    department = await make_department()
    cohort = await make_cohort(department)
    asker, other = await make_candidate(department, cohort=cohort), await make_candidate(department)
    room, elsewhere = await make_room(cohort), await make_room(None)
    now = datetime.now(UTC)
    answered = []
    for hours in (9, 2, 7, 5, 1):  # answered in this order of age, not of id
        question = await make_question(room, asker, body=f"问题 {hours}", status="answered")
        await RoomQuestion.update({RoomQuestion.answered_at: now - timedelta(hours=hours)}).where(
            RoomQuestion.id == question.id
        )
        answered.append(question)
    await AnswerFeedback(question=answered[4].id, candidate=asker.id, helpful=True).save()
    await RoomMessage.update({RoomMessage.hidden_at: now}).where(
        RoomMessage.id == answered[1].message
    )
    await make_question(room, asker, body="还没回答")
    await make_question(room, other, body="别人的", status="answered")
    await make_question(elsewhere, asker, body="别的房间", status="answered")
    # A category HR switched off is not offered (the seeded ones are restored afterwards).
    last = (
        await QuestionCategory.objects()
        .order_by(QuestionCategory.sort_order, ascending=False)
        .first()
    )
    await QuestionCategory.update({QuestionCategory.is_active: False}).where(
        QuestionCategory.id == last.id
    )
    try:
        lists = await room_page_lists(candidate_id=asker.id, room_id=room.id)
        assert lists.categories == await active_categories()
        assert last.id not in [category["id"] for category in lists.categories]
        expected = await feedback_pending(candidate_id=asker.id, room_id=room.id)
        assert lists.feedback_pending == expected
        # Newest answer first, rated and hidden ones left out, at most PENDING_SHOWN.
        assert [item.body for item in expected] == ["问题 5", "问题 7", "问题 9"][:PENDING_SHOWN]
    finally:
        await QuestionCategory.update({QuestionCategory.is_active: True}).where(
            QuestionCategory.id == last.id
        )
