"""Limit password guessing on the staff sign-in form.

At most ``max_attempts`` failed sign-ins per e-mail address and per client IP within a
fixed window of ``window_seconds``. Past the limit the form refuses without looking at
the password, so a locked account cannot be probed at all.

An attempt is *reserved* (counted) before the password is checked and released again
when it succeeds. Counting first matters: argon2 takes tens of milliseconds, and a burst
of parallel requests that all checked the counter before any failure was recorded would
otherwise all get through. The read-modify-write on the store is serialised within a
process; across several workers or hosts sharing Redis two simultaneous requests can
still both read the same count, so a burst may get a few more tries than the limit —
never an unlimited number.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from dataclasses import dataclass

from litestar.stores.base import Store

from portal.domain.errors import DomainError

_lock = asyncio.Lock()


@dataclass(frozen=True)
class ThrottleLimits:
    max_attempts: int
    window_seconds: int


class LoginThrottled(DomainError):
    """Too many failed attempts; ``retry_after_seconds`` until the window ends."""

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = max(1, retry_after_seconds)
        super().__init__(f"locked for {self.retry_after_seconds} s")

    @property
    def retry_after_minutes(self) -> int:
        return math.ceil(self.retry_after_seconds / 60)


def _keys(email: str, client_ip: str) -> tuple[str, str]:
    # Digests keep e-mail addresses out of the store and file names safe.
    email_digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    ip_digest = hashlib.sha256(client_ip.encode()).hexdigest()
    return f"staff-login-email-{email_digest}", f"staff-login-ip-{ip_digest}"


async def _read(store: Store, key: str, now: float) -> tuple[int, float]:
    """(failures, window end); a finished window counts as empty."""
    raw = await store.get(key)
    if raw is None:
        return 0, 0.0
    try:
        data = json.loads(raw)
        count, reset_at = int(data["count"]), float(data["reset_at"])
    except (ValueError, KeyError, TypeError):
        return 0, 0.0
    if reset_at <= now:
        return 0, 0.0
    return count, reset_at


async def _write(store: Store, key: str, count: int, reset_at: float, now: float) -> None:
    payload = json.dumps({"count": count, "reset_at": reset_at})
    await store.set(key, payload, expires_in=max(1, math.ceil(reset_at - now)))


async def login_throttle_reserve(
    store: Store,
    limits: ThrottleLimits,
    *,
    email: str,
    client_ip: str,
    now: float | None = None,
) -> None:
    """Count one attempt, or raise LoginThrottled (counting nothing) when over the limit."""
    now = time.time() if now is None else now
    async with _lock:
        entries = {key: await _read(store, key, now) for key in _keys(email, client_ip)}
        locked_until = [
            reset_at for count, reset_at in entries.values() if count >= limits.max_attempts
        ]
        if locked_until:
            raise LoginThrottled(math.ceil(max(locked_until) - now))
        for key, (count, reset_at) in entries.items():
            if count == 0:
                reset_at = now + limits.window_seconds
            await _write(store, key, count + 1, reset_at, now)


async def login_throttle_succeeded(
    store: Store, *, email: str, client_ip: str, now: float | None = None
) -> None:
    """The reserved attempt was a success: forget the e-mail's failures, release the IP's try.

    The IP keeps its earlier failures: someone guessing many accounts from one address
    must not reset their counter by signing in to their own.
    """
    now = time.time() if now is None else now
    email_key, ip_key = _keys(email, client_ip)
    async with _lock:
        await store.delete(email_key)
        count, reset_at = await _read(store, ip_key, now)
        if count > 1:
            await _write(store, ip_key, count - 1, reset_at, now)
        elif count == 1:
            await store.delete(ip_key)
