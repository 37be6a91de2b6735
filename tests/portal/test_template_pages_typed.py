"""Template pages carry ``text/html`` from start-up (Litestar guessed it per response)."""

from __future__ import annotations

from typing import get_args

import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template

from onramp.app import create_app

pytestmark = pytest.mark.one_database


def test_every_handler_answering_with_a_template_is_html():
    app = create_app(manage_database=False)
    typed = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            annotation = handler.parsed_fn_signature.return_type.annotation
            if annotation is Template or Template in get_args(annotation):
                assert handler.media_type == "text/html", route.path
                typed.append(route.path)
    assert "/" in typed and "/admin/questions" in typed and "/rooms/{room_id:int}" in typed


async def test_pages_still_answer_as_html_in_utf8(client):
    for path in ("/welcome", "/admin/login"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
