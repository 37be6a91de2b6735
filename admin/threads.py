"""HR opens a candidate's 1:1 thread from the candidate's page.

The thread is a room (``portal.domain.rooms.direct``): this only makes sure it exists and
goes to its admin room page, where staff read and reply as in any room. Whoever may see
the candidate may open it (a manager their own department's people, where they see the
messages routed to managers).
"""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.rendering import admin_page
from portal.config import get_settings
from portal.domain.access import department_scope
from portal.domain.candidates.tables import Candidate
from portal.domain.rooms.direct import direct_thread_ensure, threads_list
from portal.domain.staff.tables import StaffUser


class ThreadController(Controller):
    path = "/threads"

    @get("/", name="admin-threads")
    async def list_threads(self, staff: NamedDependency[StaffUser]) -> Template:
        """The conversations with candidates, latest first (a manager's own people's)."""
        return admin_page(
            "admin/threads/list.html",
            staff,
            threads=await threads_list(department_scope=department_scope(staff)),
            timezone=get_settings().default_timezone,
        )

    @post("/candidates/{candidate_id:int}", name="admin-thread-open")
    async def open_thread(
        self, staff: NamedDependency[StaffUser], candidate: NamedDependency[Candidate]
    ) -> Redirect:
        room_id = await direct_thread_ensure(candidate.id)
        return Redirect(f"/admin/rooms/{room_id}", status_code=HTTP_303_SEE_OTHER)
