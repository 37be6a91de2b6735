"""The "me" tab: one page linking the candidate's own things (profile, documents, points)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template


@get("/me", name="me")
async def me_page(candidate_id: NamedDependency[int]) -> Template:
    return Template("portal/me.html")
