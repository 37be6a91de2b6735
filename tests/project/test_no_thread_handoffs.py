"""Nothing Litestar runs on every request is handed to a worker thread.

Litestar runs a plain (non-async) guard, ``before_send`` hook, lifecycle hook or
dependency in a worker thread and waits for it: a hand-off and back, and a wait for the
interpreter lock, on every request of every route it covers. The id guard on the app was
one: a thread hand-off on every request (~0.25 ms of CPU on a page, in
``bench/page_rps.py``). Guards and hooks here are ``async def``; a dependency that must be
a plain function says ``sync_to_thread=False``.
"""

from __future__ import annotations

import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.utils.sync import AsyncCallable

pytestmark = pytest.mark.one_database


def test_no_guard_hook_or_dependency_runs_in_a_thread():
    from onramp.app import create_app

    app = create_app(manage_database=False)
    threaded: list[str] = []
    threaded += [f"before_send {hook.func!r}" for hook in app.before_send if _in_thread(hook)]
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            methods = handler.http_methods if isinstance(handler, HTTPRouteHandler) else ()
            where = f"{sorted(methods)} {route.path}"
            threaded += [
                f"guard {guard!r} on {where}"
                for guard in handler.resolve_guards()
                if _in_thread(guard)
            ]
            for name, provider in handler.resolve_dependencies().items():
                if provider.has_sync_callable and provider.sync_to_thread:
                    threaded.append(f"dependency {name} on {where}")
            if isinstance(handler, HTTPRouteHandler):
                for hook in (handler.resolve_before_request(), handler.resolve_after_response()):
                    if hook is not None and _in_thread(hook):
                        threaded.append(f"lifecycle hook {hook!r} on {where}")
                if handler.has_sync_callable and handler.sync_to_thread:
                    threaded.append(f"handler {handler.handler_name} on {where}")
    assert threaded == []


def _in_thread(callable_: object) -> bool:
    return isinstance(callable_, AsyncCallable)
