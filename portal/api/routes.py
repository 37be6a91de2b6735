"""The integration API under ``/api/v1``."""

from litestar import Router

api_router = Router(path="/api/v1", route_handlers=[])
