"""The integration API under ``/api/v1``: bearer-token endpoints plus the candidate's /me."""

from litestar import Router
from litestar.di import Provide

from portal.api.auth import provide_api_token
from portal.api.candidates import CandidateApiController
from portal.api.me import me
from portal.api.problems import api_exception_handlers

api_router = Router(
    path="/api/v1",
    route_handlers=[CandidateApiController, me],
    dependencies={"api_token": Provide(provide_api_token)},
    exception_handlers=api_exception_handlers,
)
