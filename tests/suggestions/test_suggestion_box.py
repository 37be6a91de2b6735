"""The suggestion box: named and anonymous suggestions, SLA deadline, handling, scope."""

import uuid
from datetime import UTC, datetime, timedelta

from portal.domain.suggestions.sla import suggestion_sla_check
from portal.domain.suggestions.tables import Suggestion, SuggestionSlaEvent
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_as,
    sign_in_candidate,
)


def _form(client, **values):
    return {
        "_csrf_token": client.cookies.get("onramp_csrf"),
        "client_id": uuid.uuid4().hex,
        "kind": "suggestion",
        "category": "housing",
        "body": "宿舍的热水经常不够用。",
        **values,
    }


async def _setting():
    production = await make_department("生产部")
    stores = await make_department("门店")
    cohort = await make_cohort(production, name="第1期")
    me = await make_candidate(production, cohort=cohort, name="张三")
    other = await make_candidate(stores, cohort=await make_cohort(stores), name="王五")
    return production, stores, cohort, me, other


async def test_the_form_says_plainly_what_anonymous_means(client):
    *_, me, other = await _setting()
    await sign_in_candidate(client, me)
    page = await client.get("/suggestions")
    assert page.status_code == 200
    assert 'data-testid="anonymous-note"' in page.text
    inbox = await client.get("/inbox")
    assert 'href="/suggestions"' in inbox.text


async def test_a_named_suggestion_gets_a_deadline_and_the_reply_is_shown(client):
    *_, me, other = await _setting()
    await sign_in_candidate(client, me)
    sent = await client.post("/suggestions", data=_form(client), follow_redirects=False)
    assert sent.status_code == 303
    row = await Suggestion.select().first()
    assert row["candidate"] == me.id and not row["is_anonymous"]
    assert (
        timedelta(hours=23, minutes=59)
        < row["deadline_at"] - row["created_at"]
        <= timedelta(hours=24)
    )

    staff_client = client  # the same client: sign HR in on a fresh one below
    del staff_client
    from httpx import ASGITransport, AsyncClient

    async with AsyncClient(transport=client._transport, base_url=str(client.base_url)) as hr:
        await sign_in_as(hr, "hr")
        page = await hr.get(f"/admin/suggestions/{row['id']}")
        assert "张三" in page.text
        handled = await hr.post(
            f"/admin/suggestions/{row['id']}/handle",
            data={
                "_csrf_token": hr.cookies.get("onramp_csrf"),
                "handling": "已联系后勤。",
                "reply": "已经加装热水器,<b>谢谢</b>!",
            },  # fmt: skip
            follow_redirects=False,
        )
        assert handled.status_code == 303
        again = await hr.post(
            f"/admin/suggestions/{row['id']}/handle",
            data={"_csrf_token": hr.cookies.get("onramp_csrf"), "handling": "again"},
        )
        assert again.status_code == 409
    mine = await client.get(f"/suggestions/{row['id']}")
    assert "已经加装热水器,&lt;b&gt;谢谢&lt;/b&gt;!" in mine.text
    assert 'data-testid="reply"' in mine.text
    assert (await Suggestion.select(Suggestion.handling).first())["handling"] == "已联系后勤。"
    assert ASGITransport


async def test_an_anonymous_suggestion_stores_no_candidate_and_shows_no_name(client):
    production, stores, cohort, me, other = await _setting()
    await sign_in_candidate(client, me)
    sent = await client.post(
        "/suggestions", data=_form(client, anonymous="1", kind="complaint"), follow_redirects=False
    )
    assert sent.status_code == 303 and "sent=anonymous" in sent.headers["location"]
    row = await Suggestion.select().first()
    assert row["candidate"] is None and row["is_anonymous"]
    assert (row["cohort"], row["department"]) == (cohort.id, production.id)
    assert (row["created_at"].minute, row["created_at"].second) == (0, 0)  # hour only
    values = " ".join(str(value) for value in row.values())
    assert "张三" not in values and me.phone not in values
    # The author's own list does not show it either: it is nobody's.
    assert 'data-testid="my-suggestion"' not in (await client.get("/suggestions")).text
    assert (await client.get(f"/suggestions/{row['id']}")).status_code == 404

    from httpx import AsyncClient

    async with AsyncClient(transport=client._transport, base_url=str(client.base_url)) as hr:
        await sign_in_as(hr, "hr")
        listing = await hr.get("/admin/suggestions")
        page = await hr.get(f"/admin/suggestions/{row['id']}")
        export = await hr.get("/admin/suggestions/export.csv")
        for text in (listing.text, page.text, export.content.decode("utf-8-sig")):
            assert "张三" not in text and me.phone not in text
            assert f"/candidates/{me.id}" not in text
        assert "宿舍的热水经常不够用" in export.content.decode("utf-8-sig")


async def test_bad_suggestions_are_refused_and_nothing_is_stored(client):
    *_, me, other = await _setting()
    await sign_in_candidate(client, me)
    cases = [
        {"body": "   "},
        {"body": "长" * 2001},
        {"category": "nonsense"},
        {"kind": "praise"},
        {"category": ""},
    ]
    for case in cases:
        response = await client.post("/suggestions", data=_form(client, **case))
        assert response.status_code == 400, case
        assert 'role="alert"' in response.text
    script = await client.post(
        "/suggestions", data=_form(client, body="<script>alert(1)</script>", category="x")
    )
    assert "<script>alert(1)</script>" not in script.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in script.text
    assert await Suggestion.count() == 0


async def test_a_double_submit_stores_one_suggestion(client):
    *_, me, other = await _setting()
    await sign_in_candidate(client, me)
    form = _form(client)
    await client.post("/suggestions", data=form)
    await client.post("/suggestions", data=form)
    assert await Suggestion.count() == 1


async def test_another_candidates_suggestion_is_not_found(client):
    *_, me, other = await _setting()
    await sign_in_candidate(client, other)
    await client.post("/suggestions", data=_form(client, body="王五的建议"))
    theirs = (await Suggestion.select(Suggestion.id).first())["id"]
    client.cookies.clear()
    await sign_in_candidate(client, me)
    response = await client.get(f"/suggestions/{theirs}")
    assert response.status_code == 404 and "王五的建议" not in response.text
    assert "王五的建议" not in (await client.get("/suggestions")).text


async def test_managers_see_only_their_departments_suggestions(client):
    production, stores, cohort, me, other = await _setting()
    await sign_in_candidate(client, me)
    await client.post("/suggestions", data=_form(client, body="生产部的建议", anonymous="1"))
    client.cookies.clear()
    await sign_in_candidate(client, other)
    await client.post("/suggestions", data=_form(client, body="门店的建议"))
    client.cookies.clear()
    await sign_in_as(client, "manager", department=production)
    listing = await client.get("/admin/suggestions")
    assert "生产部的建议" in listing.text and "门店的建议" not in listing.text
    stores_id = (
        await Suggestion.select(Suggestion.id).where(Suggestion.department == stores.id).first()
    )["id"]
    assert (await client.get(f"/admin/suggestions/{stores_id}")).status_code == 404
    refused = await client.post(
        f"/admin/suggestions/{stores_id}/handle",
        data={"_csrf_token": client.cookies.get("onramp_csrf"), "handling": "x"},
    )
    assert refused.status_code == 404
    assert "门店的建议" not in (await client.get("/admin/suggestions/export.csv")).text


async def test_handling_needs_what_was_done(client):
    *_, me, other = await _setting()
    await sign_in_candidate(client, me)
    await client.post("/suggestions", data=_form(client))
    suggestion_id = (await Suggestion.select(Suggestion.id).first())["id"]
    client.cookies.clear()
    await sign_in_as(client, "hr")
    for data in ({"handling": " "}, {"handling": "好", "reply": "长" * 2001}):
        response = await client.post(
            f"/admin/suggestions/{suggestion_id}/handle",
            data={"_csrf_token": client.cookies.get("onramp_csrf"), **data},
        )
        assert response.status_code == 400
    assert (await Suggestion.select(Suggestion.status).first())["status"] == "open"


async def test_warning_then_breach_recorded_once_and_shown_on_the_tracker(client):
    *_, me, other = await _setting()
    await sign_in_candidate(client, me)
    await client.post("/suggestions", data=_form(client))
    row = await Suggestion.select(Suggestion.id, Suggestion.deadline_at).first()
    soon = row["deadline_at"] - timedelta(hours=1)
    assert await suggestion_sla_check(soon, 4) == 1
    assert await suggestion_sla_check(soon, 4) == 0
    late = row["deadline_at"] + timedelta(minutes=1)
    assert await suggestion_sla_check(late, 4) == 1
    assert await suggestion_sla_check(late, 4) == 0
    kinds = sorted(r["kind"] for r in await SuggestionSlaEvent.select(SuggestionSlaEvent.kind))
    assert kinds == ["breach", "warning"]
    client.cookies.clear()
    await sign_in_as(client, "hr")
    tracker = await client.get("/admin/questions")
    assert 'data-testid="tracker-suggestions"' in tracker.text
    assert datetime.now(UTC) < row["deadline_at"]


async def test_staff_accounts_and_signed_out_visitors_cannot_post(client):
    response = await client.post("/suggestions", data=_form(client), follow_redirects=False)
    assert response.status_code in (302, 303, 401, 403)
    assert await Suggestion.count() == 0
    staff = await make_staff("hr")
    assert staff


async def test_the_trackers_suggestion_line_counts_open_ones_in_scope():
    from portal.domain.suggestions.sla import suggestion_summary

    now = datetime.now(UTC)
    ours, theirs = await make_department(), await make_department()
    rows = [
        (ours.id, now - timedelta(hours=2), "open"),
        (ours.id, now + timedelta(hours=5), "open"),
        (theirs.id, now + timedelta(hours=1), "open"),
        (ours.id, now - timedelta(hours=9), "handled"),
    ]
    for department, deadline, status in rows:
        await Suggestion(
            kind="idea", category="other", body="…", department=department,
            deadline_at=deadline, status=status,
        ).save()  # fmt: skip
    everyone = await suggestion_summary(await make_staff("hr"), now)
    assert (everyone.open, everyone.overdue) == (3, 1)
    assert everyone.next_deadline == rows[0][1]
    manager = await make_staff("manager", department=ours)
    mine = await suggestion_summary(manager, now)
    assert (mine.open, mine.overdue, mine.next_deadline) == (2, 1, rows[0][1])
