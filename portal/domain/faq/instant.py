"""A candidate says a suggestion answered their question: nothing is posted, it is counted.

The record says who (the candidate, their cohort and department at the time), which
suggestion, and where (the room's "similar questions" step or the suggestions shown while
typing). ``client_key`` is the composer's client id: submitting the same form twice
records one answer (unique index in migration 0056).
"""

from __future__ import annotations

from portal.db import is_unique_violation, write_transaction
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.faq.search import VISIBLE_SQL, Match, Reader, reader_for_candidate, still_visible
from portal.domain.faq.tables import FAQ_SOURCES, INSTANT_CONTEXTS, FaqDoc, FaqInstantAnswer
from portal.domain.validation import row_id_from
from portal.i18n import gettext as _

MAX_CLIENT_KEY = 64


def parse_match_key(raw: object) -> tuple[str, int]:
    """``"faq:12"`` or ``"question:7"`` as typed in a form; NotFound for anything else."""
    text = raw if isinstance(raw, str) else ""
    source, _sep, number = text.partition(":")
    source_id = row_id_from(number) if source in FAQ_SOURCES else None
    if not source_id:
        raise NotFound(_("This answer is no longer available."))
    return source, source_id


async def match_for_reader(reader: Reader, source: str, source_id: int) -> Match:
    """One indexed document the reader may see; NotFound (never "forbidden") otherwise."""
    rows = await FaqDoc.raw(
        "SELECT d.source AS source, d.source_id AS source_id, d.title AS title, "
        "d.answer AS answer FROM faq_doc d WHERE d.source = {} AND d.source_id = {} AND "
        + VISIBLE_SQL,
        source,
        source_id,
        reader.department,
        reader.cohort,
    ).run()
    matches = [
        Match(
            source=row["source"],
            source_id=row["source_id"],
            title=row["title"],
            answer=row["answer"],
            score=0.0,
            coverage=1.0,
        )
        for row in rows
    ]
    matches = await still_visible(matches, 1)
    if not matches:
        raise NotFound(_("This answer is no longer available."))
    return matches[0]


async def instant_answer_record(
    *, candidate_id: int, match_key: object, context: object, client_key: object
) -> Match:
    """Count that ``match_key`` answered the candidate; a repeated ``client_key`` counts once."""
    source, source_id = parse_match_key(match_key)
    if context not in INSTANT_CONTEXTS:
        raise ValidationFailed({"context": _("Unknown place.")})
    key = client_key if isinstance(client_key, str) else ""
    if len(key) > MAX_CLIENT_KEY:
        raise ValidationFailed({"client_id": _("Unknown form.")})
    reader = await reader_for_candidate(candidate_id)
    match = await match_for_reader(reader, source, source_id)
    try:
        async with write_transaction():
            await FaqInstantAnswer(
                candidate=candidate_id,
                cohort=reader.cohort,
                department=reader.department,
                source=source,
                source_id=source_id,
                context=context,
                client_key=key,
            ).save()
    except Exception as error:
        if not is_unique_violation(error):
            raise
    return match
