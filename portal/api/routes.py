"""The integration API under ``/api/v1``: bearer-token endpoints plus the candidate's /me.

Every error here is ``application/problem+json`` (see ``portal.api.problems``); the
app's HTML error handlers hand /api/ paths to the same functions for routing errors.
"""

from litestar import Router

from portal.api.candidates import CandidateApiController
from portal.api.me import me
from portal.api.problems import api_exception_handlers

api_router = Router(
    path="/api/v1",
    route_handlers=[CandidateApiController, me],
    exception_handlers=api_exception_handlers,
)
