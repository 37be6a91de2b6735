"""Helpers for the chat helper's tests (new sign-in links, points, room)."""

from __future__ import annotations

import re

import httpx

from tests.journeys.helpers import make_step, texts

LINK = re.compile(r"https?://[^\s\"'<>]+/login/[A-Za-z0-9_\-]+")


async def ask_for_link(client: httpx.AsyncClient, phone: str) -> httpx.Response:
    """Post the "get a new link" form the way the signed-out page does."""
    if not client.cookies.get("onramp_csrf"):
        await client.get("/welcome")
    return await client.post(
        "/signin/new-link",
        data={"phone": phone, "_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )


async def sms_link_step() -> int:
    return await make_step(
        trigger="event", event="login_link_created", category="transactional",
        channels=("sms",), variants=texts(("登录", "{name}，点此登录：{link}")),
    )  # fmt: skip


async def submission_of(candidate_id: int, template_id: int):
    from portal.domain.checklist.tables import ChecklistSubmission

    return await ChecklistSubmission.objects().get(
        (ChecklistSubmission.candidate == candidate_id)
        & (ChecklistSubmission.template == template_id)
    )


async def review(staff_client: httpx.AsyncClient, submission, **data: str) -> httpx.Response:
    return await staff_client.post(
        f"/admin/documents/submissions/{submission.id}/review",
        data={
            "_csrf_token": staff_client.cookies.get("onramp_csrf"),
            "round": str(submission.round),
            **data,
        },
        follow_redirects=False,
    )
