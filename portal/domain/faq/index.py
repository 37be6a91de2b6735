"""Keeping the search index in step with FAQ entries and answered questions.

Each function re-reads its source and rewrites (or removes) the one document, so calling
it after any change is correct whatever the change was. The services call them inside
their own write transaction (``write_transaction`` joins an outer one), so a published
entry or an answer is searchable exactly when it is committed, and a deleted one is gone.

A question is indexed when it is answered, not private, and neither it nor its answer is
hidden; the search re-checks those at read time too (a moderator can hide a message later).
"""

from __future__ import annotations

from typing import Any

from portal.db import write_transaction
from portal.domain.faq.tables import FaqDoc, FaqTerm
from portal.domain.faq.terms import weighted_terms
from portal.domain.resources.tables import Resource
from portal.domain.rooms.tables import RoomMessage, RoomQuestion

MAX_ANSWER = 2000


async def _write(source: str, source_id: int, values: dict[str, Any] | None) -> None:
    async with write_transaction():
        # Terms first: SQLite runs without foreign-key enforcement, so no cascade.
        await FaqTerm.delete().where(
            FaqTerm.doc.is_in(
                FaqDoc.select(FaqDoc.id).where(
                    (FaqDoc.source == source) & (FaqDoc.source_id == source_id)
                )
            )
        )
        await FaqDoc.delete().where((FaqDoc.source == source) & (FaqDoc.source_id == source_id))
        if values is None:
            return
        counts = weighted_terms(values["title"], values["answer"])
        if not counts:
            return
        length = sum(counts.values())
        doc = FaqDoc(
            source=source,
            source_id=source_id,
            length=length,
            **{**values, "title": values["title"][:200], "answer": values["answer"][:MAX_ANSWER]},
        )
        await doc.save()
        await FaqTerm.insert(
            *[
                FaqTerm(doc=doc.id, term=term, tf=tf, doc_length=length)
                for term, tf in counts.items()
            ]
        )


async def faq_index_resource(resource_id: int) -> None:
    """Index a published FAQ entry; anything else (draft, deleted, a guide) leaves it."""
    row = (
        await Resource.select(
            Resource.kind,
            Resource.status,
            Resource.title,
            Resource.body,
            Resource.audience,
            Resource.department,
            Resource.cohort,
        )
        .where(Resource.id == resource_id)
        .first()
    )
    values = None
    if row and row["kind"] == "faq" and row["status"] == "published":
        values = {
            "title": row["title"],
            "answer": row["body"],
            "audience": row["audience"],
            "department": row["department"],
            "cohort": row["cohort"],
        }
    await _write("faq", resource_id, values)


async def faq_index_question(question_id: int) -> None:
    """Index an answered, non-private question with its answer's text."""
    row = (
        await RoomQuestion.select(
            RoomQuestion.status,
            RoomQuestion.is_private,
            RoomQuestion.answer_message_id,
            RoomQuestion.message.body.as_alias("body"),
            RoomQuestion.message.hidden_at.as_alias("hidden_at"),
            RoomQuestion.asker.department.as_alias("department"),
            RoomQuestion.asker.cohort.as_alias("cohort"),
        )
        .where(RoomQuestion.id == question_id)
        .first()
    )
    values = None
    if (
        row
        and row["status"] == "answered"
        and not row["is_private"]
        and row["hidden_at"] is None
        and row["answer_message_id"]
    ):
        answer = (
            await RoomMessage.select(RoomMessage.body)
            .where((RoomMessage.id == row["answer_message_id"]) & RoomMessage.hidden_at.is_null())
            .first()
        )
        if answer is not None:
            values = {
                "title": " ".join(row["body"].split()),
                "answer": answer["body"],
                "audience": "peers",
                "department": row["department"],
                "cohort": row["cohort"],
            }
    await _write("question", question_id, values)


async def faq_index_rebuild() -> int:
    """Index every published FAQ entry and answered question again; how many were indexed."""
    async with write_transaction():
        await FaqTerm.delete(force=True)
        await FaqDoc.delete(force=True)
        faqs = await Resource.select(Resource.id).where(
            (Resource.kind == "faq") & (Resource.status == "published")
        )
        for row in faqs:
            await faq_index_resource(row["id"])
        questions = await RoomQuestion.select(RoomQuestion.id).where(
            (RoomQuestion.status == "answered") & (RoomQuestion.is_private == False)  # noqa: E712
        )
        for row in questions:
            await faq_index_question(row["id"])
    return await FaqDoc.count()
