"""Two HR people acting on one pool entry at the same moment."""

from __future__ import annotations

import asyncio

from portal.domain.candidates.tables import Candidate
from portal.domain.errors import ValidationFailed
from portal.domain.organisation.tables import Stage
from portal.domain.talent.pool import entry_edit, needs_bulk_add
from portal.domain.talent.recalls import contact_stop
from portal.domain.talent.rejoin import talent_rejoin
from portal.domain.talent.tables import TalentEntry, TalentNeed
from tests.factories import make_cohort
from tests.talent.helpers import now, withdrawn


async def _settled(*calls) -> list[str]:
    results = await asyncio.gather(*calls, return_exceptions=True)
    outcomes = []
    for result in results:
        if isinstance(result, ValidationFailed):
            outcomes.append("refused")
        elif isinstance(result, BaseException):
            raise result
        else:
            outcomes.append("done")
    return outcomes


async def test_stop_contact_and_rejoin_at_once_never_rejoin_someone_who_said_stop():
    candidate, entry = await withdrawn(days_ago=40)
    cohort = await make_cohort()
    stage = await Stage.select(Stage.id).order_by(Stage.sort_order).first()
    outcomes = await _settled(
        contact_stop(entry_id=entry.id, actor_id=None, now=now()),
        talent_rejoin(
            entry_id=entry.id, cohort_id=cohort.id, stage_id=stage["id"], keep_documents=True,
            keep_points=True, actor_id=None, now=now(),
        ),
    )  # fmt: skip
    assert sorted(outcomes) == ["done", "refused"]
    stored = await TalentEntry.objects().get(TalentEntry.id == entry.id)
    person = await Candidate.objects().get(Candidate.id == candidate.id)
    if outcomes[0] == "done":  # stopped first: the rejoin was refused
        assert (stored.status, person.status) == ("stopped", "withdrawn")
    else:
        assert (stored.status, person.status) == ("rejoined", "active")


async def test_two_edits_of_one_entrys_needs_at_once_leave_one_of_them():
    _, entry = await withdrawn()
    outcomes = await _settled(
        *(
            entry_edit(
                entry_id=entry.id, department_scope=None, needs=needs, notes="", actor_id=None,
                now=now(),
            )
            for needs in ("弹性工作、培训机会", "培训机会、住宿", "弹性工作")
        )
    )  # fmt: skip
    assert outcomes == ["done", "done", "done"]
    names = sorted(
        row["name"] for row in await TalentNeed.select().where(TalentNeed.entry == entry.id)
    )
    assert names in (sorted(["弹性工作", "培训机会"]), sorted(["培训机会", "住宿"]), ["弹性工作"])


async def test_bulk_adds_at_once_add_each_need_once():
    entries = [(await withdrawn())[1] for _ in range(3)]
    ids = [entry.id for entry in entries]
    await TalentNeed.delete().where(TalentNeed.entry.is_in(ids))
    added = await asyncio.gather(
        *(
            needs_bulk_add(entry_ids=ids, needs="夜班补贴、住宿", department_scope=None)
            for _ in range(3)
        )
    )
    assert sum(added) == 6
    assert await TalentNeed.count().where(TalentNeed.entry.is_in(ids)) == 6
