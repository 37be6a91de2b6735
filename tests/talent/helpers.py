"""Talent pool test helpers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from portal.db import current_engine
from portal.domain.candidates.records import candidate_set_status
from portal.domain.candidates.tables import Candidate
from portal.domain.talent.tables import TalentEntry
from portal.domain.talent.withdrawal import WithdrawalInput
from tests.factories import make_candidate


async def withdrawn(
    *,
    reason: str = "salary",
    consent: bool = True,
    needs: str = "弹性工作、培训机会",
    days_ago: float = 0,
    **candidate_values,
) -> tuple[Candidate, TalentEntry]:
    """A candidate withdrawn through the real service, ``days_ago`` back in time."""
    candidate = await make_candidate(**candidate_values)
    await candidate_set_status(
        candidate_id=candidate.id,
        status="withdrawn",
        withdrawal=WithdrawalInput(
            reason_code=reason, text="工资比别家低", needs=needs, consent=consent
        ),
    )
    entry = await TalentEntry.objects().get(TalentEntry.candidate == candidate.id)
    if days_ago:
        shift = timedelta(days=days_ago)
        entry.withdrawn_at -= shift
        if entry.consent_until is not None:
            entry.consent_until -= shift
        await entry.save()
    return candidate, entry


def now() -> datetime:
    return datetime.now(UTC)


@contextlib.contextmanager
def queries_captured() -> Iterator[list[str]]:
    """The SQL of every statement the current engine runs inside the block (as
    tests/portal/test_query_counts.py does)."""
    engine = current_engine()
    engine_class = type(engine)
    original = engine_class.run_querystring
    captured: list[str] = []

    async def counting(self, querystring, in_pool: bool = False):  # type: ignore[no-untyped-def]
        if self is engine:
            captured.append(str(querystring))
        return await original(self, querystring, in_pool=in_pool)

    engine_class.run_querystring = counting  # type: ignore[method-assign]
    try:
        yield captured
    finally:
        engine_class.run_querystring = original  # type: ignore[method-assign]
