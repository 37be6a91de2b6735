"""Every route with a path id, taken from the app's own route table, answers odd ids with a
4xx, for a candidate, HR and an admin: never a 500.

No hand-kept list: a route added later is walked too. The ids are the ones that broke
pages before: larger than the database's integers (SQLite raises OverflowError past 2**63,
PostgreSQL "out of range for type integer" past 2**31), zero, and a digit that
``str.isdigit()`` accepts but ``int()`` does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from tests.factories import make_candidate, make_staff, sign_in_candidate, sign_in_staff

ODD_IDS = (
    "99999999999999999999",  # past int8 and SQLite's integers
    "9223372036854775808",  # 2**63
    "2147483648",  # 2**31: past PostgreSQL's integer
    "0",
    "%C2%B2",  # "²"
)
PARAMETER = re.compile(r"\{(\w+):(\w+)\}")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def routes_with_path_ids(app: Litestar) -> list[tuple[str, str]]:
    """(method, path) of every HTTP route with an int path parameter."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        if not any(kind == "int" for _name, kind in PARAMETER.findall(route.path)):
            continue
        for method in sorted(route.methods):
            if method in METHODS:
                found.append((method, route.path))
    return found


def odd_urls(path: str) -> Iterator[str]:
    """Each odd id in each int parameter (the others 1), and in all of them at once."""
    names = [name for name, kind in PARAMETER.findall(path) if kind == "int"]

    def fill(odd_name: str | None, odd: str) -> str:
        def value(match: re.Match[str]) -> str:
            name, kind = match.group(1), match.group(2)
            if kind != "int":
                return "x"
            return odd if odd_name in (None, name) else "1"

        return PARAMETER.sub(value, path)

    for odd in ODD_IDS:
        yield fill(None, odd)
        if len(names) > 1:
            for name in names:
                yield fill(name, odd)


async def _signed_in(client: httpx.AsyncClient, who: str) -> None:
    if who == "candidate":
        await sign_in_candidate(client, await make_candidate())
        await client.get("/profile")  # the CSRF cookie
    else:
        await sign_in_staff(client, await make_staff(who))


def test_the_walk_covers_the_routes_the_review_named(app):
    paths = {path for _method, path in routes_with_path_ids(app)}
    for named in (
        "/checklist/files/{file_id:int}",
        "/videos/{video_id:int}",
        "/learning/courses/{course_id:int}",
        "/learning/courses/{course_id:int}/lessons/{number:int}",
        "/rooms/{room_id:int}",
        "/rewards/{reward_id:int}/redeem",
        "/resources/{resource_id:int}",
        "/admin/documents/files/{file_id:int}",
    ):
        assert named in paths, named
    assert len(paths) > 80


def _to_sign_in(response: httpx.Response) -> bool:
    """The other app's pages send a candidate (or staff) to its sign-in page first."""
    return response.status_code in (302, 303) and response.headers["location"].split("?")[0] in (
        "/welcome",
        "/admin/login",
    )


@pytest.mark.parametrize("who", ["candidate", "hr", "admin"])
async def test_odd_path_ids_get_a_4xx_on_every_route(app, who):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        await _signed_in(client, who)
        headers = {"x-csrftoken": client.cookies.get("onramp_csrf") or ""}
        failures = []
        for method, path in routes_with_path_ids(app):
            for url in odd_urls(path):
                response = await client.request(
                    method, url, headers=headers, data={} if method != "GET" else None
                )
                if not (400 <= response.status_code < 500 or _to_sign_in(response)):
                    failures.append(f"{method} {url}: {response.status_code}")
    assert failures == []
