"""Every withdrawal records its reason, needs and consent; bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.domain.candidates.records import candidate_set_status
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import ValidationFailed
from portal.domain.talent.pool import withdrawal_reason_counts
from portal.domain.talent.tables import TalentEntry, TalentNeed
from portal.domain.talent.withdrawal import WithdrawalInput
from tests.factories import make_candidate
from tests.talent.helpers import now, withdrawn


async def test_withdrawal_records_reason_needs_and_consent_for_twelve_months():
    candidate, entry = await withdrawn(reason="commute", needs="弹性工作，培训机会, 晋升路径")
    assert entry.status == "open" and entry.consent is True
    assert entry.reason_text == "工资比别家低"
    expected = entry.withdrawn_at + timedelta(days=365)
    assert abs((entry.consent_until - expected).total_seconds()) < 2 * 86400
    needs = await TalentNeed.select(TalentNeed.name).where(TalentNeed.entry == entry.id)
    assert sorted(n["name"] for n in needs) == sorted(["弹性工作", "培训机会", "晋升路径"])
    assert (await Candidate.objects().get(Candidate.id == candidate.id)).status == "withdrawn"


async def test_a_free_text_reason_alone_is_recorded_as_other():
    candidate = await make_candidate()
    await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="另有打算")
    entry = await TalentEntry.objects(TalentEntry.reason).get(TalentEntry.candidate == candidate.id)
    assert entry.reason.code == "other" and entry.consent is False


@pytest.mark.parametrize(
    ("withdrawal", "field"),
    [
        (WithdrawalInput(reason_code="bored"), "reason_code"),
        (WithdrawalInput(reason_code=""), "reason"),
        (WithdrawalInput(reason_code="salary", needs="<script>alert(1)</script>"), "needs"),
        (WithdrawalInput(reason_code="salary", needs="弹性工作{x}"), "needs"),
        (WithdrawalInput(reason_code="salary", needs="太长了" * 10), "needs"),
        (WithdrawalInput(reason_code="salary", text="长" * 1001), "reason"),
    ],
)
async def test_invalid_withdrawals_are_refused_and_change_nothing(withdrawal, field):
    candidate = await make_candidate()
    with pytest.raises(ValidationFailed) as refused:
        await candidate_set_status(
            candidate_id=candidate.id, status="withdrawn", withdrawal=withdrawal
        )
    assert field in refused.value.errors
    assert (await Candidate.objects().get(Candidate.id == candidate.id)).status == "active"
    assert not await TalentEntry.exists().where(TalentEntry.candidate == candidate.id)


async def test_a_second_withdrawal_is_refused():
    candidate, entry = await withdrawn()
    with pytest.raises(ValidationFailed) as refused:
        await candidate_set_status(candidate_id=candidate.id, status="withdrawn", reason="again")
    assert "status" in refused.value.errors
    assert await TalentEntry.count().where(TalentEntry.candidate == candidate.id) == 1


async def test_reason_counts_for_the_insights():
    await withdrawn(reason="salary")
    await withdrawn(reason="salary")
    await withdrawn(reason="commute", consent=False)
    counts = await withdrawal_reason_counts(since=now() - timedelta(days=1))
    by_code = {c.code: c.count for c in counts}
    assert by_code["salary"] == 2 and by_code["commute"] == 1
    assert by_code.get("family", 0) == 0
