"""The admin's main navigation: the current section marked, links offered by permission,
the same drawing reused for every page of a section."""

from __future__ import annotations

import re

import pytest

from portal.web.admin_nav import section_of
from tests.factories import sign_in_as


def _nav(html: str) -> str:
    return html.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]


def _current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', _nav(html))


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/admin/candidates", "candidates"),
        ("/admin/candidates/12", "candidates"),
        ("/admin/candidates/import", "import"),
        ("/admin/candidates/import/preview/abc", "import"),
        ("/admin/checklist/templates", "documents"),
        ("/admin/documents", "documents"),
        ("/admin/questions/figures", "questions"),
        ("/admin/settings/sla", "settings"),
        ("/admin", ""),
        ("/admin/login", ""),
    ],
)
def test_a_path_belongs_to_its_section(path, section):
    assert section_of(path) == section


async def test_the_current_section_is_marked_on_each_page(client):
    await sign_in_as(client, "hr")
    for path, marked in (
        ("/admin/candidates", ["/admin/candidates"]),
        ("/admin/candidates/import", ["/admin/candidates/import"]),
        ("/admin/questions", ["/admin/questions"]),
        ("/admin/questions/figures", ["/admin/questions"]),
        ("/admin/rooms", ["/admin/rooms"]),
    ):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert _current(page.text) == marked, path
    # The drawing is kept per section: two pages of one section share it, unchanged.
    first, again = (
        await client.get("/admin/questions"),
        await client.get("/admin/questions/figures"),
    )
    assert _nav(first.text) == _nav(again.text)


async def test_links_follow_the_permissions_and_the_language(client):
    await sign_in_as(client, "manager")
    manager_nav = _nav((await client.get("/admin/questions")).text)
    assert "/admin/candidates/import" not in manager_nav
    assert "/admin/settings/departments" not in manager_nav
    assert "/admin/questions" in manager_nav and "问题" in manager_nav
    await client.get("/lang/en", follow_redirects=False)
    english = _nav((await client.get("/admin/questions")).text)
    assert ">Questions <span" in english

    await client.post("/admin/logout", data={"_csrf_token": client.cookies.get("onramp_csrf")})
    await sign_in_as(client, "admin")
    admin_nav = _nav((await client.get("/admin/questions")).text)
    assert "/admin/candidates/import" in admin_nav and "/admin/settings/departments" in admin_nav
