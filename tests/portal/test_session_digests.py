"""A session cookie's digest is remembered, and is the digest every other token gets."""

from __future__ import annotations

import pytest

from portal.auth import tokens
from portal.auth.csrf import session_binding
from portal.auth.tokens import SESSION_TOKEN_MAX, hash_session_token, hash_token, new_token

pytestmark = pytest.mark.one_database


def test_the_same_digest_as_hash_token_and_the_csrf_binding():
    token = new_token()
    assert hash_session_token(token) == hash_token(token)
    assert session_binding(token) == hash_token(token)
    assert session_binding(None) == session_binding("") == ""


def test_a_cookie_longer_than_a_session_token_is_hashed_but_not_remembered():
    memo = tokens._remembered_session_digest
    before = memo.cache_info()
    long_cookie = "x" * (SESSION_TOKEN_MAX + 1)
    assert hash_session_token(long_cookie) == hash_token(long_cookie)
    after = memo.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)  # the memo never saw it
    ordinary = new_token()
    hash_session_token(ordinary)
    hash_session_token(ordinary)
    info = memo.cache_info()
    assert (info.hits, info.misses) == (after.hits + 1, after.misses + 1)
