"""Terms for the FAQ search: overlapping character bigrams of Chinese, words of the rest.

Why bigrams and BM25 rather than SQLite FTS5 (trigram) and PostgreSQL ``pg_trgm``:

- Most Chinese words have two characters (宿舍, 工资, 体检). A trigram index cannot match
  a two-character query at all (FTS5's trigram tokenizer needs three characters, and
  ``pg_trgm`` pads words so a two-character query shares few trigrams with a document);
  bigrams match it directly, and a paraphrase ("工资几号发" / "什么时候发工资") still
  shares its key bigrams.
- One tokenizer and one ranking (BM25 in SQL over an ordinary table) behave the same on
  SQLite and PostgreSQL: no extension to install (``CREATE EXTENSION`` needs a superuser
  on many hosted databases), no virtual tables, and the tests prove one behaviour twice.
- The index is two plain tables kept in step by the services that change FAQ entries and
  questions, in their transactions.

The text is NFKC-normalised (full-width letters and digits become ASCII) and case-folded.
A run of one Chinese character is kept as a unigram; a query made of single characters
only falls back to a substring search (:mod:`portal.domain.faq.search`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_RUNS = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([0-9a-z]+)")
MAX_TERM = 16


def normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def terms_of(text: str) -> list[str]:
    """The terms of ``text`` in order: Chinese bigrams (a lone character alone), words."""
    found: list[str] = []
    for match in _RUNS.finditer(normalised(text)):
        chinese, word = match.groups()
        if chinese:
            if len(chinese) == 1:
                found.append(chinese)
            else:
                found.extend(chinese[i : i + 2] for i in range(len(chinese) - 1))
        else:
            found.append(word[:MAX_TERM])
    return found


def weighted_terms(title: str, body: str) -> Counter[str]:
    """Term counts of a document: the title (the question) counts twice."""
    counts: Counter[str] = Counter()
    for term in terms_of(title):
        counts[term] += 2
    for term in terms_of(body):
        counts[term] += 1
    return counts
