"""HR's side: checklist templates, the review queue, downloads, cohort summary and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import httpx

from portal.domain.checklist.tables import ChecklistFile, ChecklistSubmission, ChecklistTemplate
from tests.checklist.helpers import EXE_BYTES, PDF_BYTES, jpeg_bytes, make_template, post, upload
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)


def _form(client: httpx.AsyncClient, **values: str) -> dict[str, str]:
    return {"_csrf_token": client.cookies.get("onramp_csrf") or "", **values}


async def _hand_in(app, candidate, template, content=PDF_BYTES, name="a.pdf") -> ChecklistFile:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        await sign_in_candidate(c, candidate)
        assert (await upload(c, template.id, (name, content, "application/pdf"))).status_code == 303
        assert (await post(c, f"/checklist/items/{template.id}/submit")).status_code == 303
    submission = await ChecklistSubmission.objects().get(
        (ChecklistSubmission.candidate == candidate.id)
        & (ChecklistSubmission.template == template.id)
    )
    return await ChecklistFile.objects().get(ChecklistFile.submission == submission.id)


async def test_hr_creates_a_template_with_an_example_picture(client):
    department = await make_department()
    await sign_in_staff(client, await make_staff("hr"))
    response = await client.post(
        "/admin/checklist/templates/new",
        data=_form(
            client,
            title="健康证",
            explanation="近三个月内办理",
            department=str(department.id),
            position="",
            accepted_kinds="photo",
            min_files="1",
            max_files="2",
            days_before_start="5",
            required="1",
            sort_order="1",
        ),
        files=[("example", ("示例.jpg", jpeg_bytes(gps=True), "image/jpeg"))],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    template = await ChecklistTemplate.objects().first()
    assert template.title == "健康证" and template.department == department.id
    assert template.accepted_kinds == "photo" and template.max_files == 2
    assert template.days_before_start == 5 and template.required
    assert template.example_key.startswith("checklist-examples/")
    listing = await client.get("/admin/checklist/templates")
    assert "健康证" in listing.text and "开训前 5 天" in listing.text
    example = await client.get(f"/admin/checklist/templates/{template.id}/example")
    assert example.status_code == 200 and example.headers["content-type"] == "image/jpeg"

    # A candidate of that department sees the example; one of another department does not.
    transport = httpx.ASGITransport(app=client._transport.app)  # noqa: SLF001
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        await sign_in_candidate(c, await make_candidate(department))
        assert (await c.get(f"/checklist/examples/{template.id}")).status_code == 200
        assert "健康证" in (await c.get("/checklist")).text
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        await sign_in_candidate(c, await make_candidate())
        assert (await c.get(f"/checklist/examples/{template.id}")).status_code == 404


async def test_template_form_errors_are_shown_and_nothing_is_saved(client):
    await sign_in_staff(client, await make_staff("admin"))
    response = await client.post(
        "/admin/checklist/templates/new",
        data=_form(
            client,
            title="  ",
            min_files="3",
            max_files="1",
            days_before_start="-2",
            department="abc",
        ),
        follow_redirects=False,
    )
    assert response.status_code == 400
    text = response.text
    assert 'data-testid="error-title"' in text
    assert "请至少选择一种文件类型" in text
    assert 'data-testid="error-days_before_start"' in text
    assert await ChecklistTemplate.count() == 0
    bad_example = await client.post(
        "/admin/checklist/templates/new",
        data=_form(
            client,
            title="合同",
            accepted_kinds="pdf",
            min_files="1",
            max_files="1",
            days_before_start="3",
        ),
        files=[("example", ("x.pdf", EXE_BYTES, "application/pdf"))],
        follow_redirects=False,
    )
    # The item is saved; the refused example is explained on its edit form.
    assert bad_example.status_code == 400
    assert "只接受照片" in bad_example.text
    template = await ChecklistTemplate.objects().first()
    assert template.example_key == ""


async def test_managers_cannot_edit_templates_or_review(app, client):
    department = await make_department()
    manager = await make_staff("manager", department=department)
    candidate = await make_candidate(department)
    template = await make_template()
    file = await _hand_in(app, candidate, template)
    await sign_in_staff(client, manager)
    assert (await client.get("/admin/checklist/templates")).status_code == 403
    # They follow their own people's documents (read-only).
    queue = await client.get("/admin/documents")
    assert queue.status_code == 200 and candidate.name in queue.text
    submission = await ChecklistSubmission.objects().first()
    detail = await client.get(f"/admin/documents/submissions/{submission.id}")
    assert detail.status_code == 200 and 'data-testid="approve"' not in detail.text
    assert (await client.get(f"/admin/documents/files/{file.id}")).status_code == 200
    review = await client.post(
        f"/admin/documents/submissions/{submission.id}/review",
        data=_form(client, round="1", decision="approved"),
    )
    assert review.status_code == 403
    assert (await ChecklistSubmission.objects().first()).status == "submitted"


async def test_managers_see_no_other_departments_documents(app, client):
    mine, theirs = await make_department(), await make_department()
    template = await make_template()
    outsider = await make_candidate(theirs, name="外部门")
    file = await _hand_in(app, outsider, template)
    submission = await ChecklistSubmission.objects().first()
    await sign_in_staff(client, await make_staff("manager", department=mine))
    assert "外部门" not in (await client.get("/admin/documents")).text
    assert (await client.get(f"/admin/documents/submissions/{submission.id}")).status_code == 404
    assert (await client.get(f"/admin/documents/files/{file.id}")).status_code == 404
    assert (await client.get(f"/admin/documents/files/{file.id}/thumb")).status_code == 404


async def test_staff_download_headers(app, client):
    candidate = await make_candidate()
    template = await make_template()
    file = await _hand_in(app, candidate, template, name='报告"; x=../a.pdf')
    await sign_in_staff(client, await make_staff("hr"))
    response = await client.get(f"/admin/documents/files/{file.id}")
    assert response.status_code == 200
    assert response.content == PDF_BYTES
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('inline; filename="')
    fallback = disposition.split('filename="')[1].split('"')[0]
    assert "/" not in fallback and ";" not in fallback and ".." not in fallback
    assert "filename*=UTF-8''" in disposition
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == "sandbox"
    # Signed out: redirected to sign in, no file.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as anon:
        response = await anon.get(f"/admin/documents/files/{file.id}", follow_redirects=False)
        assert response.status_code in (302, 303) and not response.content.startswith(b"%PDF")


async def test_queue_is_oldest_first_and_filters(app, client):
    department = await make_department()
    cohort_a = await make_cohort(department, name="一期")
    cohort_b = await make_cohort(department, name="二期")
    first = await make_candidate(department, cohort=cohort_a, name="先交")
    second = await make_candidate(department, cohort=cohort_b, name="后交")
    id_card = await make_template("身份证")
    diploma = await make_template("毕业证")
    await _hand_in(app, first, id_card)
    await _hand_in(app, second, diploma)
    await sign_in_staff(client, await make_staff("hr"))
    queue = (await client.get("/admin/documents")).text
    assert queue.index("先交") < queue.index("后交")
    by_cohort = (await client.get(f"/admin/documents?cohort={cohort_b.id}")).text
    assert "后交" in by_cohort and "先交" not in by_cohort
    by_item = (await client.get(f"/admin/documents?item={id_card.id}")).text
    assert "先交" in by_item and "后交" not in by_item
    approved = (await client.get("/admin/documents?status=approved")).text
    assert 'data-testid="queue-empty"' in approved
    # Malformed filters are ignored, not errors.
    assert (await client.get("/admin/documents?cohort=abc&item=-1&status=<x>")).status_code == 200


async def test_cohort_summary_counts_overdue_and_exports_csv(app, client):
    department = await make_department()
    cohort = await make_cohort(
        department, name="三期", starts_at=datetime.now(UTC) + timedelta(days=3)
    )
    late = await make_candidate(department, cohort=cohort, name="张三")
    done = await make_candidate(department, cohort=cohort, name="=HYPERLINK()")
    template = await make_template("体检报告", days_before_start=7)  # due 4 days ago
    await _hand_in(app, done, template)
    await sign_in_staff(client, await make_staff("hr"))
    summary = await client.get("/admin/documents/cohorts")
    assert summary.status_code == 200 and "三期" in summary.text
    assert 'data-testid="overdue">1<' in summary.text
    grid = await client.get(f"/admin/documents/cohorts/{cohort.id}")
    assert "张三" in grid.text and "已逾期" in grid.text

    export = await client.get(f"/admin/documents/cohorts/{cohort.id}/export.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    assert export.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["姓名", "手机号", "部门", "岗位"] or "体检报告" in rows[0]
    assert "体检报告" in rows[0]
    by_name = {row[0]: row for row in rows[1:]}
    column = rows[0].index("体检报告")
    assert by_name["张三"][column] == "待上传(已逾期)"
    assert by_name["'=HYPERLINK()"][column] == "待审核"
    assert late.id != done.id


async def test_hr_edits_archives_and_restores_a_template(app, client):
    candidate = await make_candidate()
    template = await make_template("体检报告")
    await _hand_in(app, candidate, template)
    await sign_in_staff(client, await make_staff("hr"))
    form = await client.get(f"/admin/checklist/templates/{template.id}/edit")
    assert form.status_code == 200 and "体检报告" in form.text
    updated = await client.post(
        f"/admin/checklist/templates/{template.id}/edit",
        data=_form(
            client,
            title="体检报告(三甲医院)",
            accepted_kinds="pdf",
            min_files="1",
            max_files="3",
            days_before_start="2",
        ),
        follow_redirects=False,
    )
    assert updated.status_code == 303
    saved = await ChecklistTemplate.objects().get(ChecklistTemplate.id == template.id)
    assert saved.title == "体检报告(三甲医院)" and saved.accepted_kinds == "pdf"
    assert not saved.required  # the checkbox was left unticked

    archived = await client.post(
        f"/admin/checklist/templates/{template.id}/archive", data=_form(client)
    )
    assert archived.status_code in (200, 303)
    # Archived: the handed-in files stay in HR's queue, marked as such.
    queue = await client.get("/admin/documents")
    assert "体检报告(三甲医院)" in queue.text and "已归档" in queue.text
    assert (
        await client.post(f"/admin/checklist/templates/{template.id}/explode", data=_form(client))
    ).status_code == 404
    await client.post(f"/admin/checklist/templates/{template.id}/restore", data=_form(client))
    restored = await ChecklistTemplate.objects().get(ChecklistTemplate.id == template.id)
    assert restored.status == "active"
