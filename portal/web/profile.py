"""Candidate personal-information page: see what was saved (masked) and edit it."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.domain.errors import ValidationFailed
from portal.domain.profiles.personal_info import (
    PROFILE_FIELDS,
    RELATIONSHIPS,
    ProfileInput,
    ProfileView,
    profile_get,
    profile_save,
    relationship_label,
)
from portal.domain.profiles.tables import SENSITIVE_FIELDS

# Anything longer than this is not a form a person filled in.
_MAX_FIELD = 1000


def _page(
    profile: ProfileView | None,
    *,
    editing: bool,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    if values is None and profile is not None:
        values = {
            "legal_name": profile.legal_name,
            "emergency_name": profile.emergency_name,
            "emergency_relationship": profile.emergency_relationship,
            "emergency_phone": profile.emergency_phone,
            "bank_name": profile.bank_name,
            "address": profile.address,
        }
    return Template(
        "portal/profile.html",
        context={
            "profile": profile,
            "editing": editing or profile is None,
            "values": values or {},
            "errors": errors or {},
            "saved": saved,
            "relationships": [(code, relationship_label(code)) for code in RELATIONSHIPS],
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@get("/profile", name="profile")
async def profile_page(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any]
) -> Template:
    profile = await profile_get(candidate_id=candidate_id)
    return _page(
        profile,
        editing=request.query_params.get("edit") == "1",
        saved=request.query_params.get("saved") == "1",
    )


@post("/profile", name="profile-save")
async def profile_submit(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any]
) -> Template | Redirect:
    form = await request.form()
    typed: dict[str, str] = {}
    for name in PROFILE_FIELDS:
        value = form.get(name)
        typed[name] = value[:_MAX_FIELD] if isinstance(value, str) else ""
    try:
        await profile_save(candidate_id=candidate_id, data=ProfileInput(**typed))
    except ValidationFailed as failed:
        # The clear numbers are never echoed back into the page.
        shown = {k: v for k, v in typed.items() if k not in SENSITIVE_FIELDS}
        return _page(
            await profile_get(candidate_id=candidate_id),
            editing=True,
            values=shown,
            errors=failed.errors,
            status_code=400,
        )
    return Redirect("/profile?saved=1", status_code=HTTP_303_SEE_OTHER)
