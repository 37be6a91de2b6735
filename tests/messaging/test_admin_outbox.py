"""HR's outbox pages answer at /admin/outbox (not /admin/admin/outbox); managers get 403."""

from __future__ import annotations

from portal.domain.messaging.enqueue import message_enqueue
from portal.domain.messaging.tables import OutboxMessage
from tests.factories import make_candidate, make_department, make_staff, sign_in_staff
from tests.messaging.helpers import email_to

PAGES = ("/admin/outbox", "/admin/outbox?status=pending", "/admin/outbox/bots")


async def test_hr_reaches_the_outbox_pages_and_the_nav_link_points_there(client, channels):
    candidate = await make_candidate(email="li.si@example.com")
    await message_enqueue(message=email_to(candidate, key="admin:outbox:1", subject="报到提醒"))
    await sign_in_staff(client, await make_staff("hr"))
    for path in PAGES:
        response = await client.get(path)
        assert response.status_code == 200, path
    pending = await client.get("/admin/outbox?status=pending")
    assert "报到提醒" in pending.text
    nav = await client.get("/admin/candidates")
    assert 'href="/admin/outbox"' in nav.text
    assert (await client.get("/admin/admin/outbox")).status_code == 404


async def test_managers_get_403_on_the_outbox_pages_and_its_buttons(client, channels):
    candidate = await make_candidate(email="wang.wu@example.com")
    queued = await message_enqueue(message=email_to(candidate, key="admin:outbox:2"))
    await OutboxMessage.update({OutboxMessage.status: "failed"}).where(
        OutboxMessage.id == queued.id
    )
    manager = await make_staff("manager", department=await make_department())
    await sign_in_staff(client, manager)
    for path in PAGES:
        assert (await client.get(path)).status_code == 403, path
    nav = await client.get("/admin/candidates")
    assert nav.status_code == 200
    assert 'href="/admin/outbox"' not in nav.text
    retry = await client.post(
        f"/admin/outbox/{queued.id}/retry", data={"_csrf_token": client.cookies.get("onramp_csrf")}
    )
    assert retry.status_code == 403
    stored = await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.id == queued.id)
    assert stored[0]["status"] == "failed"
