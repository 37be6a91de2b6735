"""Searching the FAQ index: BM25 over Chinese bigrams and words, in SQL on both databases.

Scores: ``idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))`` and, per document,
``Σ idf(t) · tf·(k1+1) / (tf + k1·(1 - b + b·len/avglen))`` with k1 = 1.2, b = 0.75 (the
usual BM25). Document frequencies are read in a first query, so the second is plain
arithmetic (SQLite has no ``ln`` unless built with its math functions).

Only the query's most specific terms are looked up (at most ``MAX_TERMS`` by idf, and
none in more than a quarter of the documents while two rarer ones remain): common bigrams
such as 请问 or 什么 add little to the ranking but would read thousands of rows.

A suggestion must cover a good part of the query (``MIN_COVERAGE`` of the query's idf
weight), so a question sharing one common word with an entry does not get it offered.
A query of single characters only (e.g. "钱") has no bigram: it is looked up as a
substring of the questions and answers instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from portal.db import page_reads_in_loop
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound
from portal.domain.faq.tables import FaqDoc
from portal.domain.faq.terms import normalised, terms_of
from portal.i18n import gettext as _

K1 = 1.2
B = 0.75
MAX_TERMS = 10
MIN_TERMS = 2
COMMON_SHARE = 0.25
MAX_QUERY = 500
MIN_COVERAGE = 0.35
_CANDIDATES = 10


@dataclass(frozen=True)
class Match:
    source: str
    source_id: int
    title: str
    answer: str
    score: float
    coverage: float

    @property
    def key(self) -> str:
        return f"{self.source}:{self.source_id}"


@dataclass(frozen=True)
class Reader:
    """Whose eyes the search is for: documents aimed at this department and cohort."""

    department: int | None
    cohort: int | None


# An indexed question still answered, public and not hidden (nor its answer).
_QUESTION_SHOWN = (
    "SELECT q.id AS id FROM room_question q "
    "JOIN room_message m ON m.id = q.message "
    "LEFT JOIN room_message a ON a.id = q.answer_message_id "
    "WHERE q.status = 'answered' AND NOT q.is_private "
    "AND m.hidden_at IS NULL AND a.hidden_at IS NULL"
)

VISIBLE_SQL = (
    "(d.audience = 'everyone' "
    "OR (d.audience IN ('department', 'peers') AND d.department = {}) "
    "OR (d.audience IN ('cohort', 'peers') AND d.cohort = {}))"
)


async def reader_for_candidate(candidate_id: int) -> Reader:
    row = (
        await Candidate.select(Candidate.department, Candidate.cohort)
        .where(Candidate.id == candidate_id)
        .first()
    )
    if row is None:
        raise NotFound(_("Not found."))
    return Reader(department=row["department"], cohort=row["cohort"])


def _match(row: dict, coverage: float) -> Match:
    return Match(
        source=row["source"],
        source_id=row["source_id"],
        title=row["title"],
        answer=row["answer"],
        score=float(row["score"]),
        coverage=coverage,
    )


async def _substring(text: str, reader: Reader, limit: int) -> list[Match]:
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await FaqDoc.raw(
        "SELECT d.source AS source, d.source_id AS source_id, d.title AS title, "
        "d.answer AS answer, 0 AS score FROM faq_doc d "
        "WHERE (LOWER(d.title) LIKE {} ESCAPE '\\' OR LOWER(d.answer) LIKE {} ESCAPE '\\') AND "
        + VISIBLE_SQL
        + " ORDER BY d.id DESC LIMIT {}",
        pattern,
        pattern,
        reader.department,
        reader.cohort,
        limit,
    ).run()
    return [_match(row, 1.0) for row in rows]


async def faq_search(
    query: str, reader: Reader, *, limit: int = 3, min_coverage: float = 0.0
) -> list[Match]:
    """The best ``limit`` documents for ``query`` that ``reader`` may see, best first.

    The ranking reads thousands of term rows: it runs off the event loop's thread even
    on a page that reads in it (page_reads_in_loop), so it never holds other requests.
    """
    with page_reads_in_loop(False):
        return await _faq_search(query, reader, limit=limit, min_coverage=min_coverage)


async def _faq_search(
    query: str, reader: Reader, *, limit: int, min_coverage: float
) -> list[Match]:
    query = (query or "")[:MAX_QUERY]
    wanted = list(dict.fromkeys(terms_of(query)))[:60]
    if not wanted:
        return []
    if all(len(term) == 1 for term in wanted):
        return await _substring("".join(normalised(query).split())[:20], reader, limit)
    stats = await FaqDoc.raw(
        "SELECT t.term AS term, COUNT(*) AS df, 0 AS avg_length FROM faq_term t "
        "WHERE t.term IN (" + ", ".join(["{}"] * len(wanted)) + ") GROUP BY t.term "
        "UNION ALL SELECT '' AS term, COUNT(*) AS df, AVG(length) AS avg_length FROM faq_doc",
        *wanted,
    ).run()
    total = next(row for row in stats if row["term"] == "")
    documents = int(total["df"])
    if not documents:
        return []
    avg_length = float(total["avg_length"] or 1.0)
    idf = {
        row["term"]: math.log(1 + (documents - row["df"] + 0.5) / (row["df"] + 0.5))
        for row in stats
        if row["term"]
    }
    chosen = sorted(idf, key=lambda term: -idf[term])[:MAX_TERMS]
    if not chosen:
        return []
    # Terms in more than a quarter of the documents cost the most rows and rank the least:
    # left out while at least MIN_TERMS more specific ones remain.
    df = {row["term"]: row["df"] for row in stats if row["term"]}
    specific_enough = [term for term in chosen if df[term] <= documents * COMMON_SHARE]
    if len(specific_enough) >= MIN_TERMS:
        chosen = specific_enough
    # Coverage is over the query's terms the index knows (a paraphrase's other words
    # are simply absent); "specific" terms are those in at most 5% of the documents, and
    # a suggestion must share one, so "怎么" alone never makes a match.
    query_weight = sum(idf.values())
    specific_df = max(3.0, documents * 0.05)
    specific = {row["term"] for row in stats if row["term"] and row["df"] <= specific_df}
    weight_case = (
        "CASE t.term "
        + " ".join(["WHEN {} THEN CAST({} AS DOUBLE PRECISION)"] * len(chosen))
        + " END"
    )
    weight_args = [value for term in chosen for value in (term, idf[term])]
    specific_args = [value for term in chosen for value in (term, 1 if term in specific else 0)]
    # Scores over the terms' index alone (it holds tf and the document length), then the
    # documents the reader may see among them; of the best few, questions hidden or made
    # private since they were indexed drop out (the same check as still_visible, in the
    # same round trip).
    rows = await FaqDoc.raw(
        "SELECT r.* FROM ("
        "SELECT d.id AS id, d.source AS source, d.source_id AS source_id, d.title AS title, "
        "d.answer AS answer, s.score AS score, s.covered AS covered, "
        "s.specific AS specific FROM ("
        "SELECT t.doc AS doc, SUM("
        + weight_case
        + " * t.tf * CAST({} AS DOUBLE PRECISION) / (t.tf + CAST({} AS DOUBLE PRECISION) * "
        "(CAST({} AS DOUBLE PRECISION) + CAST({} AS DOUBLE PRECISION) * t.doc_length))) "
        "AS score, SUM("
        + weight_case
        + ") AS covered, SUM(CASE t.term "
        + " ".join(["WHEN {} THEN CAST({} AS INTEGER)"] * len(chosen))
        + " END) AS specific FROM faq_term t WHERE t.term IN ("
        + ", ".join(["{}"] * len(chosen))
        + ") GROUP BY t.doc) s JOIN faq_doc d ON d.id = s.doc WHERE "
        + VISIBLE_SQL
        + " ORDER BY s.score DESC, d.id DESC LIMIT {}) r WHERE r.source <> 'question' OR EXISTS ("
        + _QUESTION_SHOWN
        + " AND q.id = r.source_id) ORDER BY r.score DESC, r.id DESC",
        *weight_args,
        K1 + 1,
        K1,
        1 - B,
        B / avg_length,
        *weight_args,
        *specific_args,
        *chosen,
        reader.department,
        reader.cohort,
        max(limit, _CANDIDATES),
    ).run()
    if min_coverage > 0:
        rows = [row for row in rows if row["specific"]]
    matches = [_match(row, float(row["covered"]) / query_weight) for row in rows]
    return [m for m in matches if m.coverage >= min_coverage][:limit]


async def still_visible(matches: list[Match], limit: int) -> list[Match]:
    """Drop questions hidden (or made private) since they were indexed."""
    ids = [m.source_id for m in matches if m.source == "question"]
    if ids:
        rows = await FaqDoc.raw(
            _QUESTION_SHOWN + " AND q.id IN (" + ", ".join(["{}"] * len(ids)) + ")", *ids
        ).run()
        shown = {row["id"] for row in rows}
        matches = [m for m in matches if m.source != "question" or m.source_id in shown]
    return matches[:limit]


async def faq_suggestions(*, candidate_id: int, query: str, limit: int = 3) -> list[Match]:
    """What to offer a candidate typing ``query``: good matches only."""
    if not terms_of(query[:MAX_QUERY]):
        return []
    reader = await reader_for_candidate(candidate_id)
    return await faq_search(query, reader, limit=limit, min_coverage=MIN_COVERAGE)
