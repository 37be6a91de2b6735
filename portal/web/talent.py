"""The candidate's "I can't join" flow and the growth path page.

``/leave``: step 1 asks why (HR's reasons), the needs they have and whether we may contact
them later; step 2 asks once whether something could change their mind. Confirming
withdraws them like any other withdrawal (their sessions end) and the answer becomes a
to-do for HR. ``/growth`` shows the signed-in candidate's path; ``/growth/<position>``
works without signing in, for recall messages.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.auth.sessions import session_cookie_cleared
from portal.config import get_settings
from portal.domain.candidates.records import candidate_get, candidate_set_status
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.talent.growth import growth_path
from portal.domain.talent.needs import SUGGESTED_NEEDS
from portal.domain.talent.withdrawal import WithdrawalInput, reason_choices, withdrawal_check
from portal.i18n import gettext as _

_MAX_FIELD = 1000
_FIELDS = ("reason_code", "text", "needs", "consent", "change_mind", "step")


async def _leave_page(
    *, values: dict[str, str], errors: dict[str, str] | None = None, step: int = 1,
    status_code: int = 200,
) -> Template:  # fmt: skip
    return Template(
        "portal/talent/leave.html",
        context={
            "values": values,
            "errors": errors or {},
            "step": step,
            "reasons": await reason_choices(),
            "suggested_needs": SUGGESTED_NEEDS,
            "consent_months": get_settings().talent_consent_months,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    values: dict[str, str] = {}
    for name in _FIELDS:
        value = form.get(name)
        values[name] = value[: _MAX_FIELD + 1] if isinstance(value, str) else ""
    # Suggested needs come as checkboxes, typed ones in the text box: one list.
    ticked = [v for v in form.getall("need", []) if isinstance(v, str)]
    if ticked:
        values["needs"] = "、".join([*ticked[:10], values["needs"]])
    return values


def _input(values: dict[str, str]) -> WithdrawalInput:
    return WithdrawalInput(
        reason_code=values["reason_code"] or None,
        text=values["text"],
        needs=values["needs"],
        consent=values["consent"] == "1",
        change_mind=values["change_mind"],
        source="portal",
    )


@get("/leave", name="leave")
async def leave_page(candidate_id: NamedDependency[int]) -> Template:
    return await _leave_page(values={})


@post("/leave", name="leave-submit")
async def leave_submit(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any]
) -> Template | Redirect:
    values = await _form(request)
    if not values["reason_code"]:
        return await _leave_page(
            values=values,
            errors={"reason_code": _("Please choose a reason.")},
            status_code=400,
        )
    try:
        await withdrawal_check(_input(values))
    except ValidationFailed as failed:
        return await _leave_page(values=values, errors=failed.errors, status_code=400)
    if values["step"] != "confirm":
        # Asked once: could something change your mind? (Step 2.)
        return await _leave_page(values=values, step=2)
    try:
        await candidate_set_status(
            candidate_id=candidate_id, status="withdrawn", withdrawal=_input(values)
        )
    except ValidationFailed as failed:
        return await _leave_page(values=values, errors=failed.errors, step=2, status_code=400)
    # Their sessions are ended by the withdrawal; the cookie goes too.
    return Redirect(
        "/left", status_code=HTTP_303_SEE_OTHER, cookies=[session_cookie_cleared(get_settings())]
    )


@get("/left", name="left")
async def left_page() -> Template:
    return Template("portal/talent/left.html", context={})


@get("/growth", name="growth")
async def growth_own(candidate_id: NamedDependency[int]) -> Template:
    candidate = await candidate_get(candidate_id)
    path = await growth_path(candidate.position) if candidate.position else None
    return Template("portal/talent/growth.html", context={"path": path})


@get("/growth/{position_id:int}", name="growth-position")
async def growth_position(position_id: FromPath[int]) -> Template:
    try:
        path = await growth_path(position_id)
    except NotFound:
        path = None
    return Template(
        "portal/talent/growth.html",
        context={"path": path},
        status_code=200 if path is not None else 404,
    )


TALENT_PAGES = [leave_page, leave_submit, left_page, growth_own, growth_position]
