"""The default withdrawal reasons and recall cadence: one set, however many workers start."""

from __future__ import annotations

import asyncio

from portal.domain.talent.defaults import CADENCE, REASONS, talent_defaults_ensure
from portal.domain.talent.tables import TalentCadenceStep, TalentReason


async def test_workers_creating_the_defaults_at_once_leave_one_set(client):
    # Seen with `onramp serve --workers 2` on PostgreSQL: both workers found no reasons,
    # both inserted, and the second's tick failed on the unique code.
    await TalentCadenceStep.delete(force=True)
    await TalentReason.delete(force=True)
    await asyncio.gather(*(talent_defaults_ensure() for _ in range(4)))
    codes = [row["code"] for row in await TalentReason.select(TalentReason.code)]
    assert sorted(codes) == sorted(code for code, _label in REASONS)
    assert await TalentCadenceStep.count() == len(CADENCE)
    await talent_defaults_ensure()  # and later calls change nothing
    assert await TalentReason.count() == len(REASONS)
