"""The HR/manager app under ``/admin``."""

from litestar import Router

admin_router = Router(path="/admin", route_handlers=[])
