"""Every candidate page, from the app's route table, needs a candidate session.

The candidate router provides ``candidate_id`` once (``portal/web/routes.py``); a page
added without declaring it fails here unless it is one of the signed-out pages.
"""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from tests.factories import make_staff, sign_in_staff

# Reached without a candidate session on purpose. Videos check the session's principal
# themselves: staff watch them too (portal/domain/videos/watch.py).
# Links in e-mails and SMS work without signing in (signed or single-use tokens).
OPEN_PAGES = {
    "login-link",
    "login-link-use",
    "logout",
    "welcome",
    "set-language",
    "video-file",
    "video-poster",
    "unsubscribe",
    "unsubscribe-confirm",
    # One-tap message links sign the candidate in (GET: a "continue" page; POST: redeem).
    "message-link",
    "message-link-use",
    "cohort-map",
    # The installable app's files: the browser fetches them outside any page (portal/web/pwa.py).
    "pwa-manifest",
    "pwa-service-worker",
    "favicon",
    # After "I can't join" the session is over; recall messages link to a growth path.
    "left",
    "growth-position",
    # Asking for a new sign-in link by phone number: for those who cannot sign in.
    "new-link",
    "new-link-request",
}


def candidate_routes(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    routes = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            # The candidate router's handlers are those it gives its candidate_id to.
            if handler.name is None or "candidate_id" not in handler.resolve_dependencies():
                continue
            for method in sorted(handler.http_methods):
                routes.append((route.path, method, handler))
    return routes


def _url(path: str) -> str:
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: "1" if m.group(2) == "int" else "x", path)


def test_every_candidate_page_asks_for_the_candidate(app):
    routes = candidate_routes(app)
    assert len(routes) > 25
    names = {handler.name for _, _, handler in routes}
    assert names >= OPEN_PAGES | {"home", "checklist", "room-send", "profile-save"}
    missing = [
        f"{method} {path}"
        for path, method, handler in routes
        if handler.name not in OPEN_PAGES
        and "candidate_id" not in handler.parsed_fn_signature.parameters
    ]
    assert missing == [], "candidate pages without candidate_id: " + ", ".join(missing)


async def test_without_a_candidate_session_every_page_goes_to_welcome(app, client):
    await client.get("/welcome")
    token = client.cookies.get("onramp_csrf")
    for session in ("none", "staff"):
        if session == "staff":
            await sign_in_staff(client, await make_staff("admin"))
            token = client.cookies.get("onramp_csrf")
        for path, method, handler in candidate_routes(app):
            if handler.name in OPEN_PAGES:
                continue
            response = await client.request(
                method,
                _url(path),
                headers={"x-csrftoken": token},
                data={"_csrf_token": token} if method == "POST" else None,
                follow_redirects=False,
            )
            assert response.status_code == 302, f"{session}: {method} {path}"
            assert response.headers["location"] == "/welcome", f"{session}: {method} {path}"
