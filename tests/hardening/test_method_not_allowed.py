"""Every route, from the app's route table, answers a method it does not have with 405 and
an ``Allow`` header naming the methods it does have (RFC 9110 §15.5.6), HTML and API alike."""

from __future__ import annotations

import re

import httpx
from litestar.routes import HTTPRoute

PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
TRIED = ("DELETE", "PATCH", "PUT", "POST", "GET")


async def test_a_method_a_route_does_not_have_is_405_with_allow(app):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    failures = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        for route in app.routes:
            if not isinstance(route, HTTPRoute):
                continue
            method = next(m for m in TRIED if m not in route.methods)
            url = PARAMETER.sub(lambda m: "1" if m.group(2) == "int" else "x", route.path)
            response = await client.request(method, url)
            allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
            if response.status_code != 405 or not allow or method in allow:
                failures.append(f"{method} {url}: {response.status_code}, Allow: {allow}")
            elif not allow <= set(route.methods):
                failures.append(f"{method} {url}: Allow {allow} but route has {route.methods}")
    assert failures == []
