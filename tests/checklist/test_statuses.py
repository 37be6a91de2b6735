"""The one-line checklist counts staff pages show agree with the candidate's own checklist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.domain.candidates.tables import Candidate
from portal.domain.checklist.items import candidates_checklists
from portal.domain.checklist.status import ChecklistStatus, checklist_statuses
from portal.domain.checklist.tables import ChecklistFile, ChecklistSubmission, ChecklistTemplate
from tests.checklist.helpers import make_template
from tests.factories import make_candidate, make_cohort, make_department, make_position


async def _submission(candidate_id: int, template_id: int, status: str, files: int = 0) -> None:
    submission = ChecklistSubmission(candidate=candidate_id, template=template_id, status=status)
    await submission.save()
    for number in range(files):
        await ChecklistFile(
            submission=submission.id,
            storage_key=f"k{submission.id}-{number}",
            original_name=f"{number}.jpg",
            media_type="image/jpeg",
            family="photo",
            size=10,
        ).save()


async def test_counts_match_the_checklist_item_by_item():
    now = datetime.now(UTC)
    department, elsewhere = await make_department(), await make_department()
    position = await make_position(department)
    cohort = await make_cohort(department, starts_at=now + timedelta(days=3))
    asker = await make_candidate(department, cohort=cohort)
    await Candidate.update({Candidate.position: position.id}).where(Candidate.id == asker.id)
    no_cohort = await make_candidate(department)
    other_cohort = await make_cohort(elsewhere, starts_at=now + timedelta(days=3))
    other = await make_candidate(elsewhere, cohort=other_cohort)

    late_todo = await make_template("迟交", days_before_start=7)
    on_time = await make_template("按时", days_before_start=1)
    late_draft = await make_template("草稿", days_before_start=10, department_id=department.id)
    late_draft_files = await make_template("有文件", days_before_start=10, position_id=position.id)
    approved = await make_template("已通过", days_before_start=7)
    rejected = await make_template("退回", days_before_start=7)
    waiting = await make_template("待审", days_before_start=7)
    archived = await make_template("停用", days_before_start=7)
    await ChecklistTemplate.update({ChecklistTemplate.status: "archived"}).where(
        ChecklistTemplate.id == archived.id
    )
    for candidate in (asker, no_cohort, other):
        await _submission(candidate.id, approved.id, "approved")
        await _submission(candidate.id, rejected.id, "rejected", files=1)
        await _submission(candidate.id, waiting.id, "submitted", files=2)
    await _submission(asker.id, late_draft.id, "draft")
    await _submission(asker.id, late_draft_files.id, "draft", files=1)
    await _submission(asker.id, on_time.id, "draft", files=1)
    del late_todo

    ids = [asker.id, no_cohort.id, other.id, asker.id, 987654321]
    statuses = await checklist_statuses(ids, now=now)

    # The asker: every template but the archived one; overdue are those still to do whose
    # deadline (7 or 10 days before a start 3 days away) has passed.
    assert statuses[asker.id] == ChecklistStatus(approved=1, total=7, waiting=1, overdue=4)
    # Without a cohort nothing has a deadline (the department's template applies, not the
    # position's); in another department only the templates for everyone apply.
    assert statuses[no_cohort.id] == ChecklistStatus(approved=1, total=6, waiting=1, overdue=0)
    assert statuses[other.id] == ChecklistStatus(approved=1, total=5, waiting=1, overdue=2)
    assert 987654321 not in statuses
    checklists = await candidates_checklists(ids, now=now)
    assert statuses == {
        candidate_id: ChecklistStatus(
            approved=checklist.approved,
            total=checklist.total,
            waiting=checklist.waiting,
            overdue=checklist.overdue,
        )
        for candidate_id, checklist in checklists.items()
    }


async def test_a_candidate_with_nothing_to_hand_in_counts_zero():
    candidate = await make_candidate()
    assert await checklist_statuses([candidate.id]) == {
        candidate.id: ChecklistStatus(approved=0, total=0, waiting=0, overdue=0)
    }
    assert await checklist_statuses([]) == {}
