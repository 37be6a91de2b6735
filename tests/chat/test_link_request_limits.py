"""The new-link rate limit counts in the shared rate-limit store: files, or Redis."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from portal.auth.login_throttle import LoginThrottled, ThrottleLimits
from portal.auth.rate_limits import rate_limit_key, rate_limit_take
from portal.auth.stores import store_for
from portal.config import get_settings
from tests.room.helpers import REDIS_URL, redis_running


@pytest.mark.parametrize("backend", ["files", "redis"])
async def test_the_limit_holds_per_key_and_ends_with_its_window(backend, tmp_path):
    settings = replace(get_settings(), var_dir=tmp_path)
    if backend == "redis":
        if not redis_running():
            pytest.skip("Redis is not running")
        settings = replace(settings, redis_url=REDIS_URL, redis_namespace=f"t{uuid.uuid4().hex}")
    store = store_for(settings, "rate_limits")
    phone = rate_limit_key("link-request-phone", "13912345678")
    limits = {phone: ThrottleLimits(2, 60)}
    try:
        await rate_limit_take(store, limits, now=1000.0)
        await rate_limit_take(store, limits, now=1001.0)
        with pytest.raises(LoginThrottled) as refused:
            await rate_limit_take(store, limits, now=1002.0)
        assert refused.value.retry_after_seconds == 58
        # Another number is counted apart; the window's end frees the first.
        await rate_limit_take(
            store, {rate_limit_key("link-request-phone", "13800000000"): ThrottleLimits(2, 60)}
        )
        await rate_limit_take(store, limits, now=1061.0)
        # The key reveals no phone number.
        assert "13912345678" not in phone
    finally:
        await store.delete_all()
