"""The pool page: filters, a manager's department only, bulk needs for 1,000 entries in one
transaction, the whole history, outcomes, stop, rejoin, figures and their CSV."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from portal.domain.candidates.tables import Candidate, StageChange
from portal.domain.errors import ValidationFailed
from portal.domain.learning.points import point_entry_append, points_balance
from portal.domain.organisation.tables import Stage
from portal.domain.talent.pool import needs_bulk_add
from portal.domain.talent.recalls import recall_outcome_record, recalls_send_due
from portal.domain.talent.tables import TalentEntry, TalentNeed, TalentReason
from tests.admin.forms import submit
from tests.factories import make_cohort, make_department
from tests.talent.helpers import now, queries_captured, withdrawn


async def test_hr_filters_the_pool_by_reason_need_and_consent(staff_client):
    hr = await staff_client("hr")
    await withdrawn(reason="salary", name="甲工资", needs="弹性工作")
    await withdrawn(reason="commute", name="乙通勤", needs="离家近", consent=False)
    page = await hr.get("/admin/talent")
    assert page.status_code == 200 and "甲工资" in page.text and "乙通勤" in page.text
    by_reason = await hr.get("/admin/talent", params={"reason": "salary"})
    assert "甲工资" in by_reason.text and "乙通勤" not in by_reason.text
    by_need = await hr.get("/admin/talent", params={"need": "离家近"})
    assert "乙通勤" in by_need.text and "甲工资" not in by_need.text
    no_consent = await hr.get("/admin/talent", params={"consent": "no"})
    assert "乙通勤" in no_consent.text and "甲工资" not in no_consent.text
    by_name = await hr.get("/admin/talent", params={"q": "通勤"})
    assert "乙通勤" in by_name.text and "甲工资" not in by_name.text
    today = now().astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    in_range = await hr.get("/admin/talent", params={"since": today, "until": today})
    assert "甲工资" in in_range.text
    never_contacted = await hr.get("/admin/talent", params={"contact_before": today})
    assert "甲工资" in never_contacted.text
    junk = await hr.get("/admin/talent", params={"since": "not-a-date", "page": "x" * 50})
    assert junk.status_code == 200
    # Days at the ends of the calendar were an OverflowError (a 500): now no filter.
    edges = (("until", "9999-12-31"), ("since", "0001-01-01"), ("contact_before", "0001-01-01"))
    for name, day in edges:
        edge = await hr.get("/admin/talent", params={name: day})
        assert edge.status_code == 200 and "甲工资" in edge.text, name


async def test_a_manager_sees_and_edits_only_their_department(staff_client):
    mine = await make_department()
    theirs = await make_department()
    manager = await staff_client("manager", department=mine)
    _own, own_entry = await withdrawn(department=mine, name="本部门")
    _other, other_entry = await withdrawn(department=theirs, name="别部门")
    page = await manager.get("/admin/talent")
    assert "本部门" in page.text and "别部门" not in page.text
    assert (await manager.get(f"/admin/talent/{other_entry.id}")).status_code == 404
    edit = await submit(
        manager, f"/admin/talent/{other_entry.id}/edit", {"needs": "x", "notes": "偷看"}
    )
    assert edit.status_code == 404
    assert (await TalentEntry.objects().get(TalentEntry.id == other_entry.id)).notes == ""
    ok = await submit(
        manager, f"/admin/talent/{own_entry.id}/edit", {"needs": "培训机会", "notes": "电话聊过"}
    )
    assert ok.status_code == 303
    # Stop and rejoin are HR's.
    assert (await submit(manager, f"/admin/talent/{own_entry.id}/stop", {})).status_code == 403
    bulk = await submit(
        manager, "/admin/talent/bulk-needs", {"needs": "晋升路径", "entry": [other_entry.id]}
    )
    assert bulk.status_code == 400
    assert not await TalentNeed.exists().where(TalentNeed.name == "晋升路径")


async def _thousand_entries(department_id: int) -> list[int]:
    reason = await TalentReason.select(TalentReason.id).first()
    rows = await TalentEntry.insert(
        *(
            TalentEntry(department=department_id, reason=reason and reason["id"])
            for _ in range(1000)
        )
    ).returning(TalentEntry.id)
    return [row["id"] for row in rows]


async def test_bulk_needs_for_a_thousand_entries_is_one_transaction():
    await withdrawn()  # the default reasons exist
    department = await make_department()
    ids = await _thousand_entries(department.id)
    assert (
        await needs_bulk_add(entry_ids=ids, needs="弹性工作、培训机会", department_scope=None)
        == 2000
    )
    assert await TalentNeed.count().where(TalentNeed.entry.is_in(ids)) == 2000
    # Again: nothing twice.
    assert await needs_bulk_add(entry_ids=ids, needs="弹性工作", department_scope=None) == 0
    # One entry out of scope at the very end: all or nothing, nothing written.
    other = await make_department()
    stranger = (await _thousand_entries(other.id))[:1]
    with pytest.raises(ValidationFailed):
        await needs_bulk_add(
            entry_ids=[*ids, *stranger], needs="晋升路径", department_scope=department.id
        )
    assert await TalentNeed.count().where(TalentNeed.name == "晋升路径") == 0
    with pytest.raises(ValidationFailed):
        await needs_bulk_add(entry_ids=ids, needs="bad{tag}", department_scope=None)


async def test_hr_tags_all_matching_entries_from_the_page(staff_client):
    hr = await staff_client("hr")
    await withdrawn(reason="salary", name="甲")
    await withdrawn(reason="salary", name="乙")
    await withdrawn(reason="family", name="丙")
    response = await submit(
        hr, "/admin/talent/bulk-needs",
        {"needs": "薪资提升", "all_matching": "1", "filter_reason": "salary"},
    )  # fmt: skip
    assert response.status_code == 303
    assert await TalentNeed.count().where(TalentNeed.name == "薪资提升") == 2


async def test_the_entry_page_shows_the_whole_history(staff_client, channels):
    hr = await staff_client("hr")
    candidate, entry = await withdrawn(days_ago=31, name="历史人")
    await recalls_send_due(now=now())
    await submit(hr, f"/admin/talent/{entry.id}/edit", {"needs": "弹性工作", "notes": "打过电话"})
    await submit(hr, f"/admin/talent/{entry.id}/outcome", {"outcome": "replied", "note": "回复了"})
    page = await hr.get(f"/admin/talent/{entry.id}")
    assert page.status_code == 200
    for text in (
        "历史人",
        "打过电话",
        "回复了",
        "好久不见",
        'data-kind="stage"',
        'data-kind="recall"',
    ):
        assert text in page.text, text
    bad = await submit(hr, f"/admin/talent/{entry.id}/outcome", {"outcome": "maybe"})
    assert bad.status_code == 400


async def test_hr_stops_contact_and_rejoin_is_then_refused(staff_client):
    hr = await staff_client("hr")
    candidate, entry = await withdrawn()
    assert (await submit(hr, f"/admin/talent/{entry.id}/stop", {})).status_code == 303
    cohort = await make_cohort()
    stage = await Stage.select(Stage.id).first()
    response = await submit(
        hr, f"/admin/talent/{entry.id}/rejoin", {"cohort": cohort.id, "stage": stage["id"]}
    )
    assert response.status_code == 400
    assert (await Candidate.objects().get(Candidate.id == candidate.id)).status == "withdrawn"


async def test_rejoin_in_one_step_keeps_history_and_drops_points_unless_kept(staff_client):
    hr = await staff_client("hr")
    department = await make_department()
    candidate, entry = await withdrawn(department=department, days_ago=40)
    await point_entry_append(candidate_id=candidate.id, amount=30, reason="quiz", source_key="q1")
    cohort = await make_cohort(department)
    stage = await Stage.select(Stage.id).order_by(Stage.sort_order).first()
    response = await submit(
        hr, f"/admin/talent/{entry.id}/rejoin", {"cohort": cohort.id, "stage": stage["id"]}
    )
    assert response.status_code == 303, response.text
    back = await Candidate.objects().get(Candidate.id == candidate.id)
    assert back.status == "active" and back.cohort == cohort.id
    assert await points_balance(candidate_id=candidate.id) == 0
    history = (
        await StageChange.select()
        .where(StageChange.candidate == candidate.id)
        .order_by(StageChange.id)
    )
    assert [h["source"] for h in history][-2:] == ["status:withdrawn", "rejoin"]
    assert "40" in history[-1]["note"]
    refreshed = await TalentEntry.objects().get(TalentEntry.id == entry.id)
    assert refreshed.status == "rejoined"


async def test_funnel_csv_has_a_bom_and_is_formula_safe(staff_client, channels):
    hr = await staff_client("hr")
    await withdrawn(days_ago=31)  # defaults exist
    await TalentReason(code="formula", label="=HYPERLINK(1)", sort_order=99).save()
    _c, entry = await withdrawn(reason="formula", days_ago=31)
    await recalls_send_due(now=now())
    await recall_outcome_record(entry_id=entry.id, outcome="interested", actor_id=None, now=now())
    page = await hr.get("/admin/talent/figures")
    assert page.status_code == 200 and 'data-testid="funnel-row"' in page.text
    csv = await hr.get("/admin/talent/figures.csv")
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())
    text = csv.content.decode("utf-8-sig")
    assert "'=HYPERLINK(1),1,1,1,0" in text
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")


async def _pool_queries(hr) -> int:
    assert (await hr.get("/admin/talent")).status_code == 200
    with queries_captured() as queries:
        response = await hr.get("/admin/talent")
    assert response.status_code == 200
    return len(queries)


async def test_the_pool_page_makes_the_same_number_of_queries_for_3_or_13_entries(staff_client):
    hr = await staff_client("hr")
    for _ in range(3):
        await withdrawn()
    few = await _pool_queries(hr)
    for _ in range(10):
        await withdrawn()
    assert await _pool_queries(hr) == few


async def test_variants_a_and_b_are_compared_on_the_figures_page(staff_client, channels):
    hr = await staff_client("hr")
    for _ in range(4):
        await withdrawn(days_ago=181)
    await recalls_send_due(now=now())
    page = await hr.get("/admin/talent/figures")
    assert page.status_code == 200
    assert 'data-testid="comparison-row"' in page.text


async def test_to_dos_reach_the_department_and_are_marked_done(staff_client):
    from portal.domain.talent.tables import TalentTask

    mine = await make_department()
    theirs = await make_department()
    manager = await staff_client("manager", department=mine)
    for department, answer in ((mine, "换个班次就来"), (theirs, "别部门的答复")):
        _candidate, entry = await withdrawn(department=department)
        await TalentTask(
            entry=entry.id, department=department.id, assignee="manager", title="回访",
            body=answer, due_at=now(),
        ).save()  # fmt: skip
    page = await manager.get("/admin/talent")
    assert "换个班次就来" in page.text and "别部门的答复" not in page.text
    other = await TalentTask.objects().get(TalentTask.department == theirs.id)
    assert (await submit(manager, f"/admin/talent/tasks/{other.id}/done", {})).status_code == 404
    own = await TalentTask.objects().get(TalentTask.department == mine.id)
    assert (await submit(manager, f"/admin/talent/tasks/{own.id}/done", {})).status_code == 303
    assert (await TalentTask.objects().get(TalentTask.id == own.id)).done_at is not None
    assert (await TalentTask.objects().get(TalentTask.id == other.id)).done_at is None
