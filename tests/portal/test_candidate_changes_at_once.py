"""Changes to one candidate that meet: each keeps what the other did."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from portal.domain.candidates import records
from portal.domain.candidates.records import (
    CandidateInput,
    candidate_move_stage,
    candidate_set_status,
    candidate_update,
)
from portal.domain.candidates.tables import Candidate, StageChange
from portal.domain.errors import ValidationFailed
from portal.domain.organisation.tables import Stage
from portal.domain.talent.tables import TalentEntry
from portal.domain.talent.withdrawal import WithdrawalInput
from tests.factories import make_candidate, unique_phone


async def test_an_edit_keeps_a_withdrawal_made_while_it_was_checked(monkeypatch):
    """HR saves a new phone number; the candidate tapped "I can't join" in between."""
    candidate = await make_candidate(name="王小二")
    new_phone = unique_phone()
    real_transaction = records.write_transaction
    withdrew: list[bool] = []

    @contextlib.asynccontextmanager
    async def the_candidate_withdraws_first():
        if not withdrew:
            withdrew.append(True)
            await candidate_set_status(
                candidate_id=candidate.id,
                status="withdrawn",
                withdrawal=WithdrawalInput(reason_code="salary", text="找到别的工作"),
            )
        async with real_transaction():
            yield

    monkeypatch.setattr(records, "write_transaction", the_candidate_withdraws_first)
    await candidate_update(
        candidate_id=candidate.id,
        data=CandidateInput(
            name="王小二", phone=new_phone, department_id=candidate.department, cohort_id=None
        ),
        actor_id=None,
    )
    stored = await Candidate.objects().get(Candidate.id == candidate.id)
    assert (stored.status, stored.phone) == ("withdrawn", new_phone)
    assert stored.withdraw_reason == "找到别的工作"


async def test_a_double_withdrawal_is_one_withdrawal():
    candidate = await make_candidate()

    async def withdraw() -> str:
        try:
            await candidate_set_status(
                candidate_id=candidate.id,
                status="withdrawn",
                withdrawal=WithdrawalInput(reason_code="salary", text="工资低"),
            )
        except ValidationFailed:
            return "refused"
        return "withdrawn"

    results = await asyncio.gather(withdraw(), withdraw(), withdraw())
    assert sorted(results) == ["refused", "refused", "withdrawn"]
    history = await StageChange.count().where(
        (StageChange.candidate == candidate.id) & (StageChange.source == "status:withdrawn")
    )
    assert history == 1
    [entry] = await TalentEntry.select().where(TalentEntry.candidate == candidate.id)
    assert entry["round"] == 1


async def test_two_stage_moves_at_once_each_leave_a_true_history():
    candidate = await make_candidate()
    stages = await Stage.select(Stage.id).order_by(Stage.sort_order)
    if len(stages) < 3:
        pytest.skip("needs three stages")
    targets = [stages[1]["id"], stages[2]["id"]]
    await asyncio.gather(
        *(candidate_move_stage(candidate_id=candidate.id, stage_id=s) for s in targets)
    )
    changes = (
        await StageChange.select(StageChange.from_stage, StageChange.to_stage)
        .where((StageChange.candidate == candidate.id) & (StageChange.source == "admin"))
        .order_by(StageChange.id)
    )
    # The second move starts where the first one ended.
    assert changes[1]["from_stage"] == changes[0]["to_stage"]
    stored = await Candidate.objects().get(Candidate.id == candidate.id)
    assert stored.stage == changes[1]["to_stage"]
