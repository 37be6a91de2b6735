"""Every start-up and shut-down hook can be called the way Litestar calls it.

Litestar calls ``hook(app)`` when the hook's signature has any parameter at all (a
keyword-only one with a default included) and ``hook()`` otherwise. A hook that takes
only keyword arguments therefore fails with a TypeError at shut-down, after which the
relay was left running and the hooks behind it in the exit stack saw an exception.
"""

from __future__ import annotations

import inspect

import pytest

pytestmark = pytest.mark.one_database


def test_every_lifespan_hook_accepts_litestars_call():
    from onramp.app import create_app

    app = create_app()
    hooks = [*app.on_startup, *app.on_shutdown]
    assert hooks, "the app has its start-up and shut-down hooks"
    wrong = []
    for hook in hooks:
        signature = inspect.signature(hook)
        try:
            signature.bind(app) if signature.parameters else signature.bind()
        except TypeError as error:
            wrong.append(f"{getattr(hook, '__qualname__', hook)}: {error}")
    assert not wrong, wrong
