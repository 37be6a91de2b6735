"""The candidate's way to HR: ``/contact`` opens their 1:1 thread (a room of its own).

The thread is created on first visit (like a cohort's room on the first visit of
``/rooms``), so a candidate without a cohort can always reach HR.
"""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Redirect

from portal.domain.rooms.direct import direct_thread_ensure


@get("/contact", name="contact-hr")
async def contact_hr(candidate_id: NamedDependency[int]) -> Redirect:
    return Redirect(f"/rooms/{await direct_thread_ensure(candidate_id)}")


CONTACT_PAGES = [contact_hr]
