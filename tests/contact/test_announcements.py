"""HR's announcements: audience, inbox, pinning, e-mail/SMS under the cap, the audit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.domain.journeys.tables import ManualSend
from portal.domain.messaging.inbox import inbox_unread_count
from portal.domain.messaging.tables import Announcement, OutboxMessage
from portal.domain.tags.names import candidate_tags_set
from portal.domain.tags.tables import Tag
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate


def _tomorrow() -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date().isoformat()


async def _post(hr, **fields):
    await hr.get("/admin/announcements")
    data = {
        "_csrf_token": hr.cookies.get("onramp_csrf"),
        "client_id": uuid.uuid4().hex,
        "title": "体检通知",
        "body": "请于周五前完成入职体检。",
        "audience": "all",
        "pinned_until": "",
        "reason": "",
        **fields,
    }
    return await hr.post("/admin/announcements", data=data, follow_redirects=False)


async def _inbox_rows(candidate_id: int) -> list[dict]:
    return await OutboxMessage.select().where(
        (OutboxMessage.candidate == candidate_id) & (OutboxMessage.channel == "inbox")
    )


async def test_a_cohort_announcement_reaches_its_members_inbox_and_home(client, staff_client):
    cohort = await make_cohort()
    member = await make_candidate(cohort=cohort, name="王五")
    outsider = await make_candidate()
    hr = await staff_client("hr")
    response = await _post(
        hr,
        audience=f"cohort:{cohort.id}",
        pinned_until=_tomorrow(),
        body="{name}，请于周五前体检。",
    )
    assert response.status_code == 303, response.text
    assert len(await _inbox_rows(member.id)) == 1
    assert await _inbox_rows(outsider.id) == []
    assert await inbox_unread_count(candidate_id=member.id) == 1
    await sign_in_candidate(client, member)
    home = await client.get("/")
    assert 'data-testid="pinned-announcement"' in home.text
    assert "体检通知" in home.text
    assert "王五，请于周五前体检。" in home.text  # filled in for this candidate
    inbox = await client.get("/inbox")
    assert "体检通知" in inbox.text
    item = (await _inbox_rows(member.id))[0]
    assert (await client.get(f"/inbox/{item['id']}")).status_code == 200
    assert await inbox_unread_count(candidate_id=member.id) == 0
    opened = (await _inbox_rows(member.id))[0]
    assert opened["read_at"] is not None
    listed = await hr.get("/admin/announcements")
    assert "体检通知" in listed.text


async def test_outsiders_do_not_see_the_pin_and_it_ends_after_its_date(client, staff_client):
    department = await make_department()
    mine = await make_candidate(department)
    other = await make_candidate()
    hr = await staff_client("hr")
    await _post(hr, audience=f"department:{department.id}", pinned_until=_tomorrow())
    await sign_in_candidate(client, other)
    assert 'data-testid="pinned-announcement"' not in (await client.get("/")).text
    # After the date, no longer pinned (the inbox item stays).
    await Announcement.update({Announcement.pinned_until: datetime.now(UTC)}).where(
        Announcement.id > 0
    )
    await sign_in_candidate(client, mine)
    assert 'data-testid="pinned-announcement"' not in (await client.get("/")).text
    assert len(await _inbox_rows(mine.id)) == 1


async def test_a_tag_audience(staff_client):
    tagged = await make_candidate()
    untagged = await make_candidate()
    await candidate_tags_set(candidate_id=tagged.id, tags="夜班")
    tag = await Tag.select(Tag.id).first()
    hr = await staff_client("hr")
    assert (await _post(hr, audience=f"tag:{tag['id']}")).status_code == 303
    assert len(await _inbox_rows(tagged.id)) == 1
    assert await _inbox_rows(untagged.id) == []


async def test_the_list_names_each_audience(staff_client):
    department = await make_department("仓储部")
    cohort = await make_cohort(department, name="12 月第 2 期")
    member = await make_candidate(department, cohort=cohort)
    await candidate_tags_set(candidate_id=member.id, tags="夜班")
    tag = await Tag.select(Tag.id).first()
    hr = await staff_client("hr")
    for audience in (f"department:{department.id}", f"cohort:{cohort.id}", f"tag:{tag['id']}"):
        assert (await _post(hr, audience=audience, client_id=uuid.uuid4().hex)).status_code == 303
    listed = (await hr.get("/admin/announcements")).text
    assert "部门 · 仓储部" in listed and "批次 · 12 月第 2 期" in listed
    assert "标签 · 夜班" in listed
    assert f"#{department.id}" not in listed.split("<table")[-1]


async def test_a_double_submit_posts_once(staff_client):
    me = await make_candidate()
    hr = await staff_client("hr")
    client_id = uuid.uuid4().hex
    assert (await _post(hr, client_id=client_id)).status_code == 303
    assert (await _post(hr, client_id=client_id)).status_code == 303
    assert await Announcement.count() == 1
    assert len(await _inbox_rows(me.id)) == 1


async def test_bad_input_is_refused_and_nothing_is_written(staff_client):
    await make_candidate()
    hr = await staff_client("hr")
    cases = [
        ({"title": "  "}, "error-title"),
        ({"body": ""}, "error-body"),
        ({"audience": "cohort:999999"}, "error-audience"),
        ({"audience": "planet:1"}, "error-audience"),
        ({"audience": "cohort:abc"}, "error-audience"),
        ({"pinned_until": "2020-01-01"}, "error-pinned_until"),
        ({"pinned_until": "not a date"}, "error-pinned_until"),
        ({"pinned_until": "9999-12-31"}, "error-pinned_until"),  # was an OverflowError, a 500
        ({"pinned_until": "0001-01-01"}, "error-pinned_until"),
        ({"important": "1", "reason": ""}, "error-reason"),
    ]
    for fields, error in cases:
        response = await _post(hr, **fields)
        assert response.status_code == 400, fields
        assert f'data-testid="{error}"' in response.text, fields
    response = await _post(hr, title="<script>alert(1)</script>", body="")
    assert "&lt;script&gt;" in response.text
    assert await Announcement.count() == 0
    assert await OutboxMessage.count() == 0


async def test_managers_cannot_post(staff_client):
    manager = await staff_client("manager")
    assert (await manager.get("/admin/announcements")).status_code == 403
    response = await manager.post(
        "/admin/announcements",
        data={"_csrf_token": manager.cookies.get("onramp_csrf"), "title": "x", "body": "y"},
    )
    assert response.status_code == 403
    assert await Announcement.count() == 0


async def test_sms_is_engagement_unless_important_which_is_audited(staff_client, push_channels):
    me = await make_candidate()
    hr = await staff_client("hr")
    assert (await _post(hr, channels="sms")).status_code == 303
    sms = await OutboxMessage.select().where(OutboxMessage.channel == "sms")
    assert [m["category"] for m in sms] == ["engagement"]  # the weekly cap applies
    response = await _post(hr, title="台风停工", channels="sms", important="1", reason="台风预警")
    assert response.status_code == 303
    sms = await OutboxMessage.select().where(
        (OutboxMessage.channel == "sms") & (OutboxMessage.category == "transactional")
    )
    assert len(sms) == 1 and sms[0]["candidate"] == me.id
    audit = await ManualSend.select().where(ManualSend.category == "transactional").first()
    assert audit["transactional_reason"] == "台风预警"
    assert audit["staff"] is not None
