from __future__ import annotations

import asyncio

from portal.domain.candidates.records import CandidateInput, candidate_create, candidate_update
from portal.domain.candidates.tables import Candidate
from tests.factories import make_department, unique_phone


async def test_concurrent_creates_get_distinct_consecutive_ordinals():
    department = await make_department(last_ordinal=10)
    other = await make_department()

    async def create(department_id: int) -> Candidate:
        return await candidate_create(
            data=CandidateInput(name="并发", phone=unique_phone(), department_id=department_id)
        )

    created = await asyncio.gather(*[create(department.id) for _ in range(12)], create(other.id))
    ordinals = sorted(c.ordinal for c in created if c.department == department.id)
    assert ordinals == list(range(11, 23))
    assert [c.ordinal for c in created if c.department == other.id] == [1]


async def test_ordinal_is_stable_when_other_fields_change():
    department = await make_department()
    first = await candidate_create(
        data=CandidateInput(name="甲", phone=unique_phone(), department_id=department.id)
    )
    await candidate_create(
        data=CandidateInput(name="乙", phone=unique_phone(), department_id=department.id)
    )
    updated = await candidate_update(
        candidate_id=first.id,
        data=CandidateInput(name="甲二", phone=first.phone, department_id=department.id),
    )
    assert updated.ordinal == first.ordinal == 1


async def test_moving_department_gives_a_new_number_there_and_never_reuses_the_old_one():
    production = await make_department()
    retail = await make_department(last_ordinal=5)
    mover = await candidate_create(
        data=CandidateInput(name="甲", phone=unique_phone(), department_id=production.id)
    )
    moved = await candidate_update(
        candidate_id=mover.id,
        data=CandidateInput(name="甲", phone=mover.phone, department_id=retail.id),
    )
    assert moved.ordinal == 6
    newcomer = await candidate_create(
        data=CandidateInput(name="乙", phone=unique_phone(), department_id=production.id)
    )
    assert newcomer.ordinal == 2
