"""Fixed-window counters in the rate-limit store (files under ``var/`` or Redis).

The staff sign-in form has its own rules (:mod:`portal.auth.login_throttle`: failures
only, released on success); this is the plain case: every request counts, and past the
limit of any of its keys it is refused. It shares that module's store format and lock.
"""

from __future__ import annotations

import hashlib
import math
import time

from litestar.stores.base import Store

from portal.auth.login_throttle import LoginThrottled, ThrottleLimits, _lock, _read, _write


def rate_limit_key(kind: str, value: str) -> str:
    """A store key for ``value`` (a phone number, an IP) that does not reveal it."""
    return f"{kind}-{hashlib.sha256(value.encode()).hexdigest()}"


async def rate_limit_take(
    store: Store, limits: dict[str, ThrottleLimits], *, now: float | None = None
) -> None:
    """Count one request against every key, or raise LoginThrottled counting none."""
    now = time.time() if now is None else now
    async with _lock:
        entries = {key: await _read(store, key, now) for key in limits}
        locked_until = [
            reset_at
            for key, (count, reset_at) in entries.items()
            if count >= limits[key].max_attempts
        ]
        if locked_until:
            raise LoginThrottled(math.ceil(max(locked_until) - now))
        for key, (count, reset_at) in entries.items():
            if count == 0:
                reset_at = now + limits[key].window_seconds
            await _write(store, key, count + 1, reset_at, now)
