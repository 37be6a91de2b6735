"""Every HTML page carries the security headers; no template needs inline script."""

from __future__ import annotations

import re

from portal.config import PROJECT_ROOT
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_staff,
    sign_in_candidate,
    sign_in_staff,
)


def _assert_page_headers(response, url: str) -> None:
    assert response.headers["content-type"].startswith("text/html"), url
    csp = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'", url
    assert directives["frame-ancestors"] == "'none'", url
    assert "unsafe-inline" not in directives["script-src"], url
    assert response.headers["x-frame-options"] == "DENY", url
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer"), url
    assert response.headers["x-content-type-options"] == "nosniff", url


async def test_candidate_and_admin_pages_and_error_pages_have_the_headers(app, client):
    import httpx

    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    for url in ("/welcome", "/admin/login", "/no-such-page", "/login/not-a-token"):
        _assert_page_headers(await client.get(url), url)
    await sign_in_candidate(client, candidate)
    for url in ("/", "/checklist", "/profile", "/learning", "/inbox", "/resources"):
        response = await client.get(url)
        assert response.status_code == 200, url
        _assert_page_headers(response, url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as hr:
        await sign_in_staff(hr, await make_staff("admin"))
        for url in (
            "/admin",
            "/admin/candidates",
            f"/admin/candidates/{candidate.id}",
            "/admin/documents",
            "/admin/questions",
            "/admin/rooms",
            "/admin/resources",
        ):
            response = await hr.get(url, follow_redirects=True)
            assert response.status_code == 200, url
            _assert_page_headers(response, url)


def test_no_template_has_inline_script_or_event_handler_attributes():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    found = []
    for path in sorted((PROJECT_ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (inline_script, handler, re.compile(r"javascript:", re.IGNORECASE)):
            found += [f"{path.name}: {m.group(0)}" for m in pattern.finditer(text)]
    assert found == []
