"""Tags and which candidates carry them.

A tag is a short label HR puts on candidates (``技术类``, ``关注职业发展``). Names are
kept as typed (normalised: NFKC, spaces collapsed); ``key`` is the case-folded name and
is unique (migration 0024), so "Tech" and "tech" are one tag. A candidate carries a tag
at most once: unique ``(candidate, tag)``.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate


class Tag(Table, tablename="tag"):
    id = Serial(primary_key=True)
    name = Varchar(length=30)
    key = Varchar(length=30)
    created_at = Timestamptz(default=TimestamptzNow())


class CandidateTag(Table, tablename="candidate_tag"):
    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, on_delete=OnDelete.cascade)
    tag = ForeignKey(Tag, null=False, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())
