"""The daily check-in: one tap on the home page, points once per local day."""

from __future__ import annotations

from litestar import post
from litestar.di import NamedDependency
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.domain.learning.earning import daily_checkin


@post("/checkin", name="daily-checkin")
async def checkin(candidate_id: NamedDependency[int]) -> Redirect:
    """A second tap (or a second worker) earns nothing: the ledger's source key is the day."""
    await daily_checkin(candidate_id=candidate_id)
    return Redirect("/#checkin", status_code=HTTP_303_SEE_OTHER)
