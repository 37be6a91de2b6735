"""Secret tokens handed to people (sign-in links, API tokens, sessions).

Only a SHA-256 digest is ever stored: the tokens carry 256 bits of randomness, so a
slow password hash would add nothing but latency.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
