"""HR turns an answered room question and its answer into a published FAQ entry, one step.

The entry is aimed at the asker's department (where the question came from); HR can widen
or edit it afterwards on the resource page. A private question is never promoted (the
asker asked HR alone), nor one whose question or answer a moderator hid. Promoting the same
question twice creates nothing new: an entry with the same question and answer exists.
"""

from __future__ import annotations

from portal.db import transaction_lock, write_transaction
from portal.domain.errors import Conflict, NotFound
from portal.domain.resources.library import ResourceInput, resource_create
from portal.domain.resources.tables import Resource
from portal.domain.rooms.tables import RoomMessage, RoomQuestion
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _

MAX_TITLE = 200
_PROMOTE_LOCK_SPACE = 0x66617121  # "faq!"


async def faq_promote_question(*, question_id: int, staff: StaffUser) -> Resource:
    row = (
        await RoomQuestion.select(
            RoomQuestion.status,
            RoomQuestion.is_private,
            RoomQuestion.answer_message_id,
            RoomQuestion.message.body.as_alias("body"),
            RoomQuestion.message.hidden_at.as_alias("hidden_at"),
            RoomQuestion.asker.department.as_alias("department"),
        )
        .where(RoomQuestion.id == question_id)
        .first()
    )
    if row is None:
        raise NotFound(_("This question does not exist or is not yours to answer."))
    if row["status"] != "answered" or not row["answer_message_id"]:
        raise Conflict(_("Only an answered question can become an FAQ entry."))
    if row["is_private"] or row["hidden_at"] is not None:
        raise Conflict(_("A private or hidden question cannot become an FAQ entry."))
    answer = (
        await RoomMessage.select(RoomMessage.body, RoomMessage.hidden_at)
        .where(RoomMessage.id == row["answer_message_id"])
        .first()
    )
    if answer is None or answer["hidden_at"] is not None:
        raise Conflict(_("A private or hidden question cannot become an FAQ entry."))
    title = " ".join(row["body"].split())
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    async with write_transaction():
        # A double click (or two HR people) on one question: the second waits for the
        # first's entry and returns it.
        await transaction_lock(_PROMOTE_LOCK_SPACE, question_id)
        existing = (
            await Resource.objects()
            .where(
                (Resource.kind == "faq")
                & (Resource.title == title)
                & (Resource.body == answer["body"].strip())
            )
            .first()
        )
        if existing is not None:
            return existing
        return await resource_create(
            data=ResourceInput(
                kind="faq",
                title=title,
                body=answer["body"],
                audience="department",
                department_id=row["department"],
                status="published",
            ),
            stored=None,
            staff_id=staff.id,
        )
