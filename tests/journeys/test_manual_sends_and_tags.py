"""HR's manual sends from the candidate list, and candidate tags (page, list, CSV, API)."""

from __future__ import annotations

import asyncio
import io

from portal.domain.journeys.tables import ManualSend
from portal.domain.messaging.tables import OutboxMessage
from portal.domain.tags.names import candidate_tags_set, tags_of
from portal.domain.tags.tables import CandidateTag, Tag
from tests.factories import make_candidate, make_department, sign_in_as


def _compose(client, ids, **values):
    form = {
        "_csrf_token": client.cookies.get("onramp_csrf"),
        "client_id": "5d2b6f1c-1111-4222-8333-444455556666",
        "subject": "培训通知",
        "body": "{name}，培训地点有变化，请查看：{link}",
        "channels": "inbox",
        "link_path": "/",
        "action": "send",
        **values,
    }
    return {**form, "candidate": [str(i) for i in ids]} if ids else form


async def test_hr_sends_to_the_selected_candidates_once_despite_a_double_submit(client):
    await sign_in_as(client)
    first = await make_candidate(name="甲")
    second = await make_candidate(name="乙")
    form = _compose(client, [first.id, second.id])
    responses = await asyncio.gather(
        client.post("/admin/journeys/compose/send", data=form, follow_redirects=False),
        client.post("/admin/journeys/compose/send", data=form, follow_redirects=False),
    )
    assert [r.status_code for r in responses] == [303, 303]
    messages = await OutboxMessage.select().where(OutboxMessage.dedupe_key.like("manual:%"))
    assert sorted(m["body"] for m in messages) == [
        "乙，培训地点有变化，请查看：http://testserver.local/",
        "甲，培训地点有变化，请查看：http://testserver.local/",
    ]
    assert all(m["category"] == "engagement" for m in messages)
    assert await ManualSend.count() == 1


async def test_transactional_needs_a_reason_and_is_audited(client):
    staff = await sign_in_as(client)
    candidate = await make_candidate()
    refused = await client.post(
        "/admin/journeys/compose/send",
        data=_compose(client, [candidate.id], transactional="1", reason=""),
    )
    assert refused.status_code == 400 and 'data-testid="error-reason"' in refused.text
    assert await OutboxMessage.count() == 0 and await ManualSend.count() == 0
    done = await client.post(
        "/admin/journeys/compose/send",
        data=_compose(client, [candidate.id], transactional="1", reason="培训地点临时变更"),
        follow_redirects=False,
    )
    assert done.status_code == 303
    [send] = await ManualSend.select()
    assert (send["staff"], send["category"], send["transactional_reason"]) == (
        staff.id, "transactional", "培训地点临时变更",
    )  # fmt: skip
    assert (await OutboxMessage.select().first())["category"] == "transactional"
    audit = await client.get("/admin/journeys/sends")
    assert "培训地点临时变更" in audit.text and (staff.name or staff.email) in audit.text


async def test_bad_input_in_the_composer_changes_nothing(client):
    await sign_in_as(client)
    candidate = await make_candidate()
    for values in (
        {"body": "{name.__class__}"},
        {"body": ""},
        {"channels": "fax"},
        {"link_path": "https://evil.example"},
        {"subject": "两行\n主题"},
    ):
        response = await client.post(
            "/admin/journeys/compose/send", data=_compose(client, [candidate.id], **values)
        )
        assert response.status_code == 400, values
    assert await OutboxMessage.count() == 0 and await ManualSend.count() == 0


async def test_all_matching_the_filter_skips_withdrawn_and_preview_shows_the_text(client):
    from portal.domain.candidates.records import candidate_set_status

    await sign_in_as(client)
    tagged = await make_candidate(name="技术甲")
    gone = await make_candidate(name="技术乙")
    await make_candidate(name="别人")
    for candidate in (tagged, gone):
        await candidate_tags_set(candidate_id=candidate.id, tags="技术类")
    await candidate_set_status(candidate_id=gone.id, status="withdrawn", reason="不来了")
    tag = await Tag.select().first()
    form = {
        **_compose(client, []),
        "all_matching": "1",
        "filter_tag": str(tag["id"]),
        "action": "preview",
    }
    preview = await client.post("/admin/journeys/compose/send", data=form)
    assert preview.status_code == 200
    assert "技术甲，培训地点有变化" in preview.text and "别人" not in preview.text
    assert await OutboxMessage.count() == 0
    form["action"] = "send"
    await client.post("/admin/journeys/compose/send", data=form)
    assert [m["candidate"] for m in await OutboxMessage.select()] == [tagged.id]


async def test_managers_cannot_send_by_hand(client):
    await sign_in_as(client, "manager")
    candidate = await make_candidate()
    response = await client.post(
        "/admin/journeys/compose/send", data=_compose(client, [candidate.id])
    )
    assert response.status_code == 403
    assert await OutboxMessage.count() == 0


async def test_hr_edits_tags_on_the_candidate_page_and_filters_the_list(client):
    await sign_in_as(client)
    candidate = await make_candidate(name="有标签")
    await make_candidate(name="没标签")
    token = client.cookies.get("onramp_csrf")
    saved = await client.post(
        f"/admin/candidates/{candidate.id}/tags",
        data={"_csrf_token": token, "tags": "技术类， 关注职业发展、技术类"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert sorted(t.name for t in (await tags_of([candidate.id]))[candidate.id]) == [
        "关注职业发展", "技术类",
    ]  # fmt: skip
    bad = await client.post(
        f"/admin/candidates/{candidate.id}/tags",
        data={"_csrf_token": token, "tags": "<script>" + "x" * 40},
    )
    assert bad.status_code == 400 and "<script>x" not in bad.text
    assert await CandidateTag.count() == 2  # unchanged
    tag = await Tag.select().where(Tag.name == "技术类").first()
    listed = await client.get(f"/admin/candidates?tag={tag['id']}")
    assert "有标签" in listed.text and "没标签" not in listed.text


async def test_managers_cannot_edit_tags(client):
    await sign_in_as(client, "manager")
    candidate = await make_candidate()
    response = await client.post(
        f"/admin/candidates/{candidate.id}/tags",
        data={"_csrf_token": client.cookies.get("onramp_csrf"), "tags": "技术类"},
    )
    assert response.status_code in (403, 404)
    assert await CandidateTag.count() == 0


async def test_the_overdue_checklist_filter(client):
    from datetime import UTC, datetime, timedelta

    from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
    from tests.factories import make_cohort

    await sign_in_as(client)
    cohort = await make_cohort(starts_at=datetime.now(UTC) + timedelta(days=2))
    template = ChecklistTemplate(title="健康证明", days_before_start=5)
    await template.save()
    late = await make_candidate(name="逾期者", cohort=cohort)
    done = await make_candidate(name="已交者", cohort=cohort)
    await ChecklistSubmission(candidate=done.id, template=template.id, status="submitted").save()
    listed = await client.get("/admin/candidates?overdue=1")
    assert "逾期者" in listed.text and "已交者" not in listed.text
    assert late.id


async def test_csv_import_sets_tags_and_refuses_bad_ones(client):
    from tests.portal.test_candidate_import import HEADER  # noqa: F401 - same columns

    await sign_in_as(client)
    department = await make_department("生产部")
    assert department.id
    good = "姓名,手机号,部门,标签\r\n张三,13900000001,生产部,技术类、关注职业发展\r\n"
    token = client.cookies.get("onramp_csrf")
    preview = await client.post(
        "/admin/candidates/import",
        data={"_csrf_token": token},
        files={"file": ("c.csv", io.BytesIO(good.encode("utf-8")), "text/csv")},
    )
    assert preview.status_code == 200, preview.text[:500]
    preview_token = preview.text.split('name="token" value="')[1].split('"')[0]
    confirm = await client.post(
        "/admin/candidates/import/confirm",
        data={"_csrf_token": token, "token": preview_token, "mode": "all"},
    )
    assert confirm.status_code == 200
    names = await CandidateTag.select(CandidateTag.tag.name.as_alias("name"))
    assert sorted(row["name"] for row in names) == ["关注职业发展", "技术类"]
    bad = "姓名,手机号,部门,标签\r\n李四,13900000002,生产部,{坏标签}\r\n"
    checked = await client.post(
        "/admin/candidates/import",
        data={"_csrf_token": token},
        files={"file": ("c.csv", io.BytesIO(bad.encode("utf-8")), "text/csv")},
    )
    assert 'data-field="tags"' in checked.text


async def test_api_upsert_replaces_tags_and_reports_bad_ones_as_problems(client):
    from portal.domain.staff.api_tokens import api_token_create

    await make_department("生产部")
    token = await api_token_create(name="ats")
    headers = {"Authorization": f"Bearer {token}"}
    item = {"external_id": "ATS-1", "name": "赵六", "phone": "13700000001", "department": "生产部"}
    created = await client.put(
        "/api/v1/candidates", json={"candidates": [{**item, "tags": ["技术类"]}]}, headers=headers
    )
    assert created.status_code == 200, created.text
    again = await client.put(
        "/api/v1/candidates", json={"candidates": [{**item, "tags": ["技术类"]}]}, headers=headers
    )
    assert again.json()["unchanged"] == 1
    untouched = await client.put("/api/v1/candidates", json={"candidates": [item]}, headers=headers)
    assert untouched.json()["unchanged"] == 1 and await CandidateTag.count() == 1
    changed = await client.put(
        "/api/v1/candidates", json={"candidates": [{**item, "tags": []}]}, headers=headers
    )
    assert changed.json()["updated"] == 1 and await CandidateTag.count() == 0
    bad = await client.put(
        "/api/v1/candidates",
        json={"candidates": [{**item, "tags": ["<b>{x}</b>"]}]},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "tags"
    too_long = await client.put(
        "/api/v1/candidates", json={"candidates": [{**item, "tags": ["x" * 31]}]}, headers=headers
    )
    assert too_long.status_code == 400
    schema = (await client.get("/schema/openapi.json")).json()
    item_schema = schema["components"]["schemas"]["CandidateUpsertItem"]
    assert "tags" in item_schema["properties"]
