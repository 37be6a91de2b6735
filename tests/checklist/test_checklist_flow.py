"""Hand in, review, reject, hand in again; who may reach which item and file."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from portal.domain.checklist.items import candidate_checklist
from portal.domain.checklist.tables import ChecklistFile, ChecklistReview, ChecklistSubmission
from portal.domain.checklist.templates import TemplateInput, template_set_status, template_update
from tests.checklist.helpers import (
    PDF_BYTES,
    jpeg_bytes,
    make_template,
    post,
    stored_files,
    upload,
)
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_position,
    sign_in_candidate,
)


async def _submission(candidate_id: int, template_id: int) -> ChecklistSubmission:
    return await ChecklistSubmission.objects().get(
        (ChecklistSubmission.candidate == candidate_id)
        & (ChecklistSubmission.template == template_id)
    )


async def _review(staff_client, submission: ChecklistSubmission, **data: str) -> httpx.Response:
    return await staff_client.post(
        f"/admin/documents/submissions/{submission.id}/review",
        data={
            "_csrf_token": staff_client.cookies.get("onramp_csrf"),
            "round": str(submission.round),
            **data,
        },
        follow_redirects=False,
    )


async def test_rejected_document_can_be_handed_in_again_and_approved(client, staff_client):
    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    await sign_in_candidate(client, candidate)
    template = await make_template(min_files=1, max_files=2)

    assert (
        await upload(client, template.id, ("a.jpg", jpeg_bytes(), "image/jpeg"))
    ).status_code == 303
    submitted = await post(client, f"/checklist/items/{template.id}/submit")
    assert submitted.status_code == 303
    page = await client.get("/checklist")
    assert "待审核" in page.text
    # Handed in: files can no longer be removed or added.
    [file] = await ChecklistFile.objects()
    removed = await post(client, f"/checklist/files/{file.id}/delete")
    assert removed.status_code == 409
    late = await upload(client, template.id, ("b.jpg", jpeg_bytes(), "image/jpeg"))
    assert late.status_code == 409

    hr = await staff_client()
    try:
        queue = await hr.get("/admin/documents")
        assert candidate.name in queue.text and template.title in queue.text
        submission = await _submission(candidate.id, template.id)
        detail = await hr.get(f"/admin/documents/submissions/{submission.id}")
        assert f"/admin/documents/files/{file.id}" in detail.text
        no_reason = await _review(hr, submission, decision="rejected", reason="")
        assert no_reason.status_code == 400
        assert "请选择或填写退回原因" in no_reason.text
        rejected = await _review(hr, submission, decision="rejected", reason="blurry")
        assert rejected.status_code == 303

        # The candidate sees the outcome and the reason on the next page load.
        page = await client.get("/checklist")
        assert "需重新上传" in page.text and "照片模糊或看不清" in page.text
        again = await upload(client, template.id, ("c.jpg", jpeg_bytes(), "image/jpeg"))
        assert again.status_code == 303
        assert (await post(client, f"/checklist/files/{file.id}/delete")).status_code == 303
        assert "重新提交" in (await client.get("/checklist")).text
        assert (await post(client, f"/checklist/items/{template.id}/submit")).status_code == 303

        resubmitted = await _submission(candidate.id, template.id)
        assert resubmitted.status == "submitted" and resubmitted.round == 2
        # A stale form for round 1 cannot approve files the reviewer never saw.
        stale = await _review(hr, submission, decision="approved")
        assert stale.status_code == 409
        approved = await _review(hr, resubmitted, decision="approved")
        assert approved.status_code == 303
        assert "已通过" in (await client.get("/checklist")).text
        decisions = await ChecklistReview.select(ChecklistReview.decision, ChecklistReview.round)
        assert sorted((d["round"], d["decision"]) for d in decisions) == [
            (1, "rejected"),
            (2, "approved"),
        ]
    finally:
        await hr.aclose()


async def test_approving_twice_gives_a_clear_message(client, staff_client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    template = await make_template()
    await upload(client, template.id, ("a.pdf", PDF_BYTES, "application/pdf"))
    await post(client, f"/checklist/items/{template.id}/submit")
    submission = await _submission(candidate.id, template.id)
    hr = await staff_client()
    try:
        first = await _review(hr, submission, decision="approved")
        assert first.status_code == 303
        second = await _review(hr, submission, decision="approved")
        assert second.status_code == 409
        assert "该材料已被审核" in second.text
        reject_after = await _review(hr, submission, decision="rejected", reason="expired")
        assert reject_after.status_code == 409
        assert (await _submission(candidate.id, template.id)).status == "approved"
        assert await ChecklistReview.count() == 1
    finally:
        await hr.aclose()


async def test_candidate_can_take_an_item_back_before_review(client, staff_client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    template = await make_template()
    await upload(client, template.id, ("a.pdf", PDF_BYTES, "application/pdf"))
    await post(client, f"/checklist/items/{template.id}/submit")
    submission = await _submission(candidate.id, template.id)
    assert (await post(client, f"/checklist/items/{template.id}/reopen")).status_code == 303
    hr = await staff_client()
    try:
        # HR's open review form is now stale.
        assert (await _review(hr, submission, decision="approved")).status_code == 409
    finally:
        await hr.aclose()
    assert (await _submission(candidate.id, template.id)).status == "draft"


async def test_handing_in_needs_the_minimum_number_of_files(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    template = await make_template(min_files=2, max_files=2)
    await upload(client, template.id, ("a.pdf", PDF_BYTES, "application/pdf"))
    response = await post(client, f"/checklist/items/{template.id}/submit")
    assert response.status_code == 409
    assert "请至少上传 2 个文件" in response.text
    assert (await _submission(candidate.id, template.id)).status == "draft"


async def test_another_candidates_file_is_not_found(app, client):
    owner = await make_candidate(name="李四")
    template = await make_template()
    await sign_in_candidate(client, owner)
    await upload(client, template.id, ("id.pdf", PDF_BYTES, "application/pdf"))
    [file] = await ChecklistFile.objects()

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as other:
        await sign_in_candidate(other, await make_candidate(name="王五"))
        assert (await other.get(f"/checklist/files/{file.id}")).status_code == 404
        assert (await other.get(f"/checklist/files/{file.id}/thumb")).status_code == 404
        assert (await post(other, f"/checklist/files/{file.id}/delete")).status_code == 404
        assert (await other.get("/checklist/files/999999")).status_code == 404
    # Signed out: no file at all.
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as anon:
        response = await anon.get(f"/checklist/files/{file.id}", follow_redirects=False)
        assert response.status_code in (302, 303, 401)
    assert await ChecklistFile.count() == 1


async def test_items_of_other_departments_cannot_be_reached(client, media_dir):
    mine, theirs = await make_department(), await make_department()
    candidate = await make_candidate(mine)
    await sign_in_candidate(client, candidate)
    foreign = await make_template("他们的体检报告", department_id=theirs.id)
    other_position = await make_template("别的岗位", position_id=(await make_position(mine)).id)
    archived = await make_template("已归档")
    await template_set_status(template_id=archived.id, status="archived")
    for template_id in (foreign.id, other_position.id, archived.id, 424242):
        response = await upload(client, template_id, ("a.pdf", PDF_BYTES, "application/pdf"))
        assert response.status_code == 404
        assert (await post(client, f"/checklist/items/{template_id}/submit")).status_code == 404
        assert (await client.get(f"/checklist/examples/{template_id}")).status_code == 404
    page = await client.get("/checklist")
    assert "他们的体检报告" not in page.text and "别的岗位" not in page.text
    assert await ChecklistSubmission.count() == 0
    assert stored_files(media_dir) == []


async def test_candidate_gets_items_for_everyone_their_department_and_position(client):
    department = await make_department()
    position = await make_position(department)
    candidate = await make_candidate(department)
    await candidate.update_self({"position": position.id})
    await make_template("所有人")
    await make_template("本部门", department_id=department.id)
    await make_template("本岗位", position_id=position.id)
    await make_template("别的部门", department_id=(await make_department()).id)
    checklist = await candidate_checklist(candidate_id=candidate.id)
    assert [item.title for item in checklist.items] == ["所有人", "本部门", "本岗位"]


async def test_editing_a_template_keeps_what_was_handed_in(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    template = await make_template("体检报告", max_files=2)
    await upload(client, template.id, ("r.pdf", PDF_BYTES, "application/pdf"))
    await post(client, f"/checklist/items/{template.id}/submit")
    await template_update(
        template_id=template.id,
        data=TemplateInput(title="体检报告(三甲医院)", accepted_kinds=("pdf",), max_files=3),
    )
    [item] = (await candidate_checklist(candidate_id=candidate.id)).items
    assert item.title == "体检报告(三甲医院)"
    assert item.status == "submitted" and len(item.files) == 1
    # Archived: hidden from the candidate, still in HR's queue with its files.
    await template_set_status(template_id=template.id, status="archived")
    assert (await candidate_checklist(candidate_id=candidate.id)).items == []
    assert await ChecklistFile.count() == 1


async def test_deadline_shown_as_date_and_days_left_or_overdue(client):
    department = await make_department()
    starts = datetime.now(UTC) + timedelta(days=10)
    candidate = await make_candidate(
        department, cohort=await make_cohort(department, starts_at=starts)
    )
    await sign_in_candidate(client, candidate)
    await make_template("早交", days_before_start=7)
    await make_template("晚了", days_before_start=12)
    page = (await client.get("/checklist")).text
    assert re.search(r"[23] 天后截止", page)
    assert re.search(r"已逾期 [12] 天", page)
    checklist = await candidate_checklist(candidate_id=candidate.id)
    assert checklist.overdue == 1
    # On the client: httpx deprecates per-request cookies.
    client.cookies.set("onramp_lang", "en")
    english = await client.get("/checklist", headers={"Accept-Language": "en"})
    assert re.search(r"Due in [23] days", english.text)
    assert re.search(r"[12] days? overdue", english.text)


async def test_home_page_card_shows_progress(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    await make_template("身份证")
    await make_template("毕业证")
    home = await client.get("/")
    assert home.status_code == 200
    assert 'data-testid="checklist-card"' in home.text
    assert "已通过 0/2 项" in home.text
    assert 'href="/checklist"' in home.text


async def test_script_in_title_and_explanation_is_escaped(client):
    candidate = await make_candidate()
    await sign_in_candidate(client, candidate)
    await make_template("<script>alert(1)</script>", explanation="<b>x</b>")
    page = await client.get("/checklist")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text and "&lt;b&gt;x" in page.text
