"""What the candidate has already seen, for the tab bar's "new answers" badge."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Serial, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate


class CandidateSeen(Table, tablename="candidate_seen"):
    """One row per candidate who has opened a room since an answer arrived.

    ``answers_seen_at``: answers to the candidate's questions up to this time are no longer
    "new". Written only when a room page is opened while the badge shows a number, so a
    page view is not a write.
    """

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, unique=True, on_delete=OnDelete.cascade)
    answers_seen_at = Timestamptz(default=TimestamptzNow())
