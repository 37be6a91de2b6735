"""Secret tokens handed to people (sign-in links, API tokens, sessions).

Only a SHA-256 digest is ever stored: the tokens carry 256 bits of randomness, so a
slow password hash would add nothing but latency.
"""

from __future__ import annotations

import functools
import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# A session cookie is at most this long (session_read refuses longer ones unread).
SESSION_TOKEN_MAX = 100


def hash_session_token(token: str) -> str:
    """:func:`hash_token` of a session cookie, which comes back with every request.

    The digest is remembered for the last few thousand cookies: the session's key and the
    CSRF binding are both this digest, taken twice per request. Longer text than a cookie
    can be is hashed without being remembered, so odd cookies cannot fill the memory.
    """
    if len(token) > SESSION_TOKEN_MAX:
        return hash_token(token)
    return _remembered_session_digest(token)


@functools.lru_cache(maxsize=4096)
def _remembered_session_digest(token: str) -> str:
    return hash_token(token)
