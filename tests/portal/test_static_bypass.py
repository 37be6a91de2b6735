"""Static files skip the session and language middlewares, without Litestar's warning."""

from __future__ import annotations

import warnings

import portal.auth.middleware as session_middleware


async def test_static_files_skip_the_session_but_pages_read_it(client, monkeypatch):
    tokens: list[str | None] = []

    async def counting(store, token):  # type: ignore[no-untyped-def]
        tokens.append(token)
        return None

    monkeypatch.setattr(session_middleware, "session_load", counting)
    with warnings.catch_warnings():
        # Litestar 2 warned on every static file that its exclude pattern would stop
        # matching in Litestar 3.
        warnings.simplefilter("error", DeprecationWarning)
        response = await client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert tokens == []
    await client.get("/welcome")
    assert len(tokens) == 1
