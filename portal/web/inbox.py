"""The candidate's inbox, message preferences, and the sign-in-free unsubscribe link."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.domain.messaging.inbox import candidate_timezone, inbox_item_open, inbox_page
from portal.domain.messaging.preferences import (
    category_label,
    channel_label,
    preferences_for,
    preferences_save,
    unsubscribe_apply,
    unsubscribe_read,
)
from portal.domain.validation import whole_number


def _page(template: str, *, status_code: int = 200, **context: Any) -> Template:
    return Template(
        template,
        context={"channel_label": channel_label, "category_label": category_label, **context},
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def _page_number(raw: str | None) -> int:
    return whole_number(raw, minimum=1, maximum=99_999) or 1


@get("/inbox", name="inbox")
async def inbox(candidate_id: NamedDependency[int], request: Request[Any, Any, Any]) -> Template:
    page = _page_number(request.query_params.get("page"))
    return _page("portal/inbox.html", inbox=await inbox_page(candidate_id=candidate_id, page=page))


@get("/inbox/{item_id:int}", name="inbox-item")
async def inbox_item(candidate_id: NamedDependency[int], item_id: FromPath[int]) -> Template:
    item = await inbox_item_open(candidate_id=candidate_id, item_id=item_id)
    return _page(
        "portal/inbox_item.html", item=item, timezone=await candidate_timezone(candidate_id)
    )


@get("/inbox/preferences", name="inbox-preferences")
async def preferences_page(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any]
) -> Template:
    return _page(
        "portal/inbox_preferences.html",
        rows=await preferences_for(candidate_id=candidate_id),
        saved=request.query_params.get("saved") == "1",
    )


@post("/inbox/preferences", name="inbox-preferences-save")
async def preferences_submit(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any]
) -> Redirect:
    form = await request.form()
    enabled = set()
    for value in form.getall("on") if "on" in form else []:
        if isinstance(value, str) and value.count(":") == 1:
            channel, category = value.split(":")
            enabled.add((channel, category))
    await preferences_save(candidate_id=candidate_id, enabled=enabled)
    return Redirect("/inbox/preferences?saved=1", status_code=HTTP_303_SEE_OTHER)


@get("/unsubscribe/{token:str}", name="unsubscribe")
async def unsubscribe_page(token: FromPath[str]) -> Template:
    # A GET changes nothing: mail scanners and link previews fetch every link they see.
    what = unsubscribe_read(token)
    return _page("portal/unsubscribe.html", what=what, token=token, done=False)


@post("/unsubscribe/{token:str}", name="unsubscribe-confirm")
async def unsubscribe_confirm(token: FromPath[str]) -> Template:
    # Also the target of RFC 8058 one-click POSTs from mail apps (List-Unsubscribe-Post).
    what = await unsubscribe_apply(token=token)
    return _page("portal/unsubscribe.html", what=what, token=token, done=True)


INBOX_PAGES = [
    inbox,
    inbox_item,
    preferences_page,
    preferences_submit,
    unsubscribe_page,
    unsubscribe_confirm,
]
