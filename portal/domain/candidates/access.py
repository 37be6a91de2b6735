"""A candidate as a staff member may reach it: fetched only together with the access check.

The ``access_*`` pattern: code acting for a staff member never holds a candidate it has not
been allowed to see, because the one way to get it asks :mod:`portal.domain.access` first.
A candidate outside the staff member's scope is "not found", word for word the answer for
one that does not exist, so neither the status nor the message confirms that it exists.
"""

from __future__ import annotations

from portal.domain.access import Staff, may_see_candidate
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound
from portal.domain.validation import is_plausible_id
from portal.i18n import gettext as _


async def candidate_for_staff(staff: Staff, candidate_id: int) -> Candidate:
    """The candidate if ``staff`` may see it; NotFound otherwise."""
    candidate = None
    if is_plausible_id(candidate_id):
        candidate = await Candidate.objects().get(Candidate.id == candidate_id)
    if candidate is None or not may_see_candidate(staff, department_id=candidate.department):
        raise NotFound(_("This candidate does not exist."))
    return candidate
