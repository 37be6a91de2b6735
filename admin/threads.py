"""HR opens a candidate's 1:1 thread from the candidate's page.

The thread is a room (``portal.domain.rooms.direct``): this only makes sure it exists and
goes to its admin room page, where staff read and reply as in any room. Whoever may see
the candidate may open it (a manager their own department's people, where they see the
messages routed to managers).
"""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from portal.domain.candidates.tables import Candidate
from portal.domain.rooms.direct import direct_thread_ensure
from portal.domain.staff.tables import StaffUser


class ThreadController(Controller):
    path = "/threads"

    @post("/candidates/{candidate_id:int}", name="admin-thread-open")
    async def open_thread(
        self, staff: NamedDependency[StaffUser], candidate: NamedDependency[Candidate]
    ) -> Redirect:
        room_id = await direct_thread_ensure(candidate.id)
        return Redirect(f"/admin/rooms/{room_id}", status_code=HTTP_303_SEE_OTHER)
