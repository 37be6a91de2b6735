"""Every admin route, taken from the app's own route table, is closed to the wrong people.

No hand-kept list of pages: a handler added under /admin is walked here too, and fails
unless it is one of the few sign-in routes or asks for a staff member (a guard of
``admin/guards.py``, or the ``staff``/``candidate`` dependency). Which roles a route
refuses is read from its role guards, so a manager is proven refused (403) on every
HR_ONLY and ADMIN_ONLY route, and HR on every ADMIN_ONLY one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from admin.guards import ADMIN_ONLY, CANDIDATE_IN_SCOPE, HR_ONLY, RoleGuard
from portal.domain.staff.tables import STAFF_ROLES
from tests.admin.forms import csrf_token
from tests.factories import make_candidate, make_department, make_staff, sign_in_staff

# Reached without a staff session on purpose: signing in and out, and /admin itself, which
# only redirects to the candidate list (a guarded page).
OPEN_HANDLERS = {
    "admin-login",
    "admin-login-submit",
    "admin-logout",
    "admin-oidc-login",
    "admin-oidc-callback",
    "admin-home",
}
# Parameters whose dependency needs the signed-in staff member (``admin/routes.py``).
STAFF_PARAMETERS = {"staff", "candidate"}


@dataclass(frozen=True)
class AdminRoute:
    path: str
    method: str
    handler: HTTPRouteHandler

    @property
    def name(self) -> str:
        return self.handler.name or f"{self.method} {self.path}"

    def role_guards(self) -> list[RoleGuard]:
        return [guard for guard in self.handler.resolve_guards() if isinstance(guard, RoleGuard)]

    def url(self, candidate_id: int) -> str:
        """The path with real-looking values: the test's own candidate, 1 for other ids."""

        def value(match: re.Match[str]) -> str:
            name, kind = match.group(1), match.group(2)
            if kind == "int":
                return str(candidate_id if name == "candidate_id" else 1)
            return "x"

        return re.sub(r"\{(\w+):(\w+)\}", value, self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.name})"


def admin_routes(app: Litestar) -> list[AdminRoute]:
    """Every method of every HTTP route under /admin, but Litestar's automatic OPTIONS."""
    routes = []
    for route in app.routes:
        if not route.path.startswith("/admin"):
            continue
        assert isinstance(route, HTTPRoute), f"{route.path}: not an HTTP route, guard it here"
        for handler in route.route_handlers:
            if handler.name is None and handler.http_methods == {"OPTIONS"}:
                continue
            for method in sorted(handler.http_methods):
                routes.append(AdminRoute(route.path, method, handler))
    return sorted(routes, key=lambda route: (route.path, route.method))


def asks_for_staff(route: AdminRoute) -> bool:
    guards = route.handler.resolve_guards()
    if any(isinstance(guard, RoleGuard) or guard is CANDIDATE_IN_SCOPE for guard in guards):
        return True
    return bool(STAFF_PARAMETERS & set(route.handler.parsed_fn_signature.parameters))


async def _request(
    client: httpx.AsyncClient, route: AdminRoute, url: str, token: str
) -> httpx.Response:
    headers = {"x-csrftoken": token}
    kwargs: dict[str, Any] = {}
    if route.method in ("POST", "PUT"):
        kwargs["data"] = {"_csrf_token": token}
    return await client.request(
        route.method, url, headers=headers, follow_redirects=False, **kwargs
    )


def test_the_walk_sees_every_part_of_the_admin_app(app):
    routes = admin_routes(app)
    names = {route.name for route in routes}
    # A broken walk (no routes found) must not pass every check below by having no rows.
    assert len(routes) > 100
    assert names >= OPEN_HANDLERS
    for expected in ("admin-candidates", "admin-staff", "admin-room-send", "admin-video"):
        assert expected in names
    guarded = {route.name for route in routes if HR_ONLY in route.role_guards()}
    assert {"admin-candidate-new", "admin-course-create", "admin-video-approve"} <= guarded
    admins = {route.name for route in routes if ADMIN_ONLY in route.role_guards()}
    assert {"admin-staff", "admin-staff-update", "admin-profile-reveals"} <= admins


def test_every_admin_handler_asks_for_a_staff_member(app):
    """Structurally: a handler without a guard or a staff parameter fails here by name."""
    unguarded = [
        str(route)
        for route in admin_routes(app)
        if route.handler.name not in OPEN_HANDLERS and not asks_for_staff(route)
    ]
    assert unguarded == [], "admin handlers open to anyone: " + ", ".join(unguarded)


async def test_every_admin_route_sends_a_visitor_without_a_session_to_sign_in(app, client):
    candidate = await make_candidate()
    token = await csrf_token(client)
    checked = 0
    for route in admin_routes(app):
        if route.handler.name in OPEN_HANDLERS - {"admin-home"}:
            continue
        url = route.url(candidate.id)
        response = await _request(client, route, url, token)
        hops = 0
        # /admin only points at the candidate list, which then asks for a session.
        while (
            response.status_code in (302, 303)
            and not response.headers["location"].startswith("/admin/login")
            and hops < 2
        ):
            hops += 1
            response = await client.get(response.headers["location"], follow_redirects=False)
        assert response.status_code in (302, 303), f"{route}: {response.status_code}"
        location = response.headers["location"]
        assert location.startswith("/admin/login?next_path="), f"{route}: {location}"
        checked += 1
    assert checked > 90


async def test_each_role_is_refused_every_route_its_role_guards_refuse(app, client):
    """Managers on every HR_ONLY and ADMIN_ONLY route, HR on every ADMIN_ONLY one: 403.

    The manager's own candidate fills ``candidate_id``, so a route checking the candidate
    first (CANDIDATE_IN_SCOPE, 404 outside the department) reaches its role guard.
    """
    department = await make_department()
    candidate = await make_candidate(department)
    refused: dict[str, list[str]] = {}
    for role in STAFF_ROLES:
        staff = await make_staff(role, department=department)
        client.cookies.clear()
        await sign_in_staff(client, staff)
        token = await csrf_token(client)
        refused[role] = []
        for route in admin_routes(app):
            if all(guard.allows(staff) for guard in route.role_guards()):
                continue
            response = await _request(client, route, route.url(candidate.id), token)
            assert response.status_code == 403, f"{role} on {route}: {response.status_code}"
            refused[role].append(route.name)
    assert refused["admin"] == []
    assert len(refused["hr"]) >= 6
    # Everything HR may not do, a manager may not either, and much more besides.
    assert set(refused["hr"]) < set(refused["manager"])
    assert len(refused["manager"]) > 60


async def test_an_admin_passes_every_guard_and_no_page_fails(app, client):
    """Every GET with placeholder ids answers without 403 and without a server error."""
    candidate = await make_candidate()
    await sign_in_staff(client, await make_staff("admin"))
    token = await csrf_token(client)
    for route in admin_routes(app):
        if route.method not in ("GET", "HEAD") or route.handler.name in OPEN_HANDLERS:
            continue
        response = await _request(client, route, route.url(candidate.id), token)
        assert response.status_code != 403, str(route)
        assert response.status_code < 500, f"{route}: {response.status_code}"
