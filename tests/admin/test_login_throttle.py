"""The sign-in rate limit itself, on a real store, with the clock passed in."""

from __future__ import annotations

import pytest
from litestar.stores.memory import MemoryStore

from portal.auth.login_throttle import (
    LoginThrottled,
    ThrottleLimits,
    login_throttle_reserve,
    login_throttle_succeeded,
)

LIMITS = ThrottleLimits(max_attempts=3, window_seconds=600)
NOW = 1_800_000_000.0


async def _fail(store, email="a@example.com", ip="10.0.0.1", now=NOW):
    await login_throttle_reserve(store, LIMITS, email=email, client_ip=ip, now=now)


async def test_attempts_up_to_the_limit_are_allowed_then_refused():
    store = MemoryStore()
    for _ in range(3):
        await _fail(store)
    with pytest.raises(LoginThrottled) as refused:
        await _fail(store, now=NOW + 60)
    assert refused.value.retry_after_seconds == 540
    assert refused.value.retry_after_minutes == 9


async def test_a_refused_attempt_does_not_extend_the_lock():
    store = MemoryStore()
    for _ in range(3):
        await _fail(store)
    for _ in range(5):
        with pytest.raises(LoginThrottled):
            await _fail(store, now=NOW + 300)
    with pytest.raises(LoginThrottled) as refused:
        await _fail(store, now=NOW + 599)
    assert refused.value.retry_after_seconds == 1


async def test_the_lock_ends_with_the_window():
    store = MemoryStore()
    for _ in range(3):
        await _fail(store)
    await _fail(store, now=NOW + 601)  # a new window: allowed again


async def test_the_limit_counts_per_email_across_addresses():
    store = MemoryStore()
    for number in range(3):
        await _fail(store, ip=f"10.0.0.{number}")
    with pytest.raises(LoginThrottled):
        await _fail(store, ip="10.9.9.9")
    await _fail(store, email="someone.else@example.com", ip="10.9.9.9")


async def test_the_limit_counts_per_address_across_emails():
    store = MemoryStore()
    for number in range(3):
        await _fail(store, email=f"guess{number}@example.com")
    with pytest.raises(LoginThrottled):
        await _fail(store, email="another@example.com")
    await _fail(store, email="another@example.com", ip="10.0.0.2")


async def test_email_is_compared_case_insensitively():
    store = MemoryStore()
    for _ in range(3):
        await _fail(store, email="Boss@Example.com", ip="10.0.0.5")
    with pytest.raises(LoginThrottled):
        await _fail(store, email="boss@example.com", ip="10.0.0.6")


async def test_success_forgets_the_emails_failures_but_not_the_addresses():
    store = MemoryStore()
    await _fail(store)
    await _fail(store)
    await _fail(store)  # the third attempt is the successful one
    await login_throttle_succeeded(store, email="a@example.com", client_ip="10.0.0.1", now=NOW)
    # The address still has its two failures: one more is allowed, then it is locked.
    await _fail(store, email="b@example.com")
    with pytest.raises(LoginThrottled):
        await _fail(store, email="c@example.com")
    # The e-mail starts afresh from another address.
    for _ in range(3):
        await _fail(store, ip="10.0.0.2")


async def test_store_keys_do_not_contain_the_email_address():
    store = MemoryStore()
    await _fail(store, email="secret.person@example.com")
    keys = list(store._store)
    assert keys and all("secret" not in key for key in keys)
