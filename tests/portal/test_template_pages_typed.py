"""Template pages carry ``text/html`` from start-up (Litestar guessed it per response)."""

from __future__ import annotations

from typing import get_args

import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template

from onramp.app import create_app

pytestmark = pytest.mark.one_database


def test_handlers_answering_only_with_a_template_are_html_and_no_others():
    app = create_app(manage_database=False)
    typed = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            annotation = handler.parsed_fn_signature.return_type.annotation
            if annotation is Template:
                assert handler.media_type == "text/html", route.path
                typed.append(route.path)
            elif Template in get_args(annotation):
                # Template | Response: a JSON Response would take the handler's media type
                # (tests/faq/test_instant_answers.py saw a 500 when it did).
                assert not handler.media_type, route.path
    assert "/" in typed and "/admin/questions" in typed and "/rooms/{room_id:int}" in typed


async def test_pages_still_answer_as_html_in_utf8(client):
    for path in ("/welcome", "/admin/login"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
