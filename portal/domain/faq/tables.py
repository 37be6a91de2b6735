"""Tables of the instant answers: the search index and the "answered instantly" record.

``faq_doc`` is one searchable document: a published FAQ entry (``source = "faq"``,
``source_id`` = the resource) or an answered, non-private room question (``"question"``,
``source_id`` = the ``room_question``). ``faq_term`` holds its terms (Chinese bigrams and
Latin words, see :mod:`portal.domain.faq.terms`) with their weighted counts, which BM25
ranks. Both are written only by :mod:`portal.domain.faq.index`, in the same transaction
as the change of their source, so the index never lags behind a published answer.

Who may find a document is copied from its source: ``audience`` is ``everyone``,
``department``, ``cohort`` (FAQ entries, as targeted), or ``peers`` (a question: the
asker's cohort or department).
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate

FAQ_SOURCES = ("faq", "question")
# Where the suggestion was taken: the room, the resources search, a 1:1 thread with HR.
INSTANT_CONTEXTS = ("room", "resources", "thread")


class FaqDoc(Table, tablename="faq_doc"):
    id = Serial(primary_key=True)
    source = Varchar(length=10)
    source_id = Integer()
    title = Varchar(length=200)
    answer = Text(default="")
    # Number of (weighted) terms: BM25's document length.
    length = Integer(default=0)
    audience = Varchar(length=12, default="everyone")
    department = Integer(null=True, default=None)
    cohort = Integer(null=True, default=None)
    indexed_at = Timestamptz(default=TimestamptzNow())


class FaqTerm(Table, tablename="faq_term"):
    id = Serial(primary_key=True)
    doc = ForeignKey(FaqDoc, null=False, on_delete=OnDelete.cascade)
    term = Varchar(length=16)
    # Occurrences, a title's counted twice.
    tf = Integer(default=1)
    # The document's length, repeated here so ranking reads this table's index alone.
    doc_length = Integer(default=0)


class FaqInstantAnswer(Table, tablename="faq_instant_answer"):
    """A candidate said a suggestion answered their question, so it was not posted."""

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, on_delete=OnDelete.cascade)
    # Copied when recorded: the figures group by them without joining the candidate.
    cohort = Integer(null=True, default=None)
    department = Integer(null=True, default=None)
    source = Varchar(length=10)
    source_id = Integer()
    context = Varchar(length=12, default="room")
    # The composer's client id: a double submit records one answer.
    client_key = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
