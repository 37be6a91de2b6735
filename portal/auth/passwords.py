"""Staff passwords, hashed with argon2id."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from portal.i18n import gettext as _

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()

# Verified against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def password_hasher_use(hasher: PasswordHasher) -> None:
    """Hash with ``hasher`` from now on (the test suite's cheap profile).

    A hash records its own parameters, so hashes made before keep verifying.
    """
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))


def password_hash(password: str) -> str:
    return _hasher.hash(password)


def password_verify(password_hash_value: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash_value or _DUMMY_HASH, password) and bool(
            password_hash_value
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_generate() -> str:
    return secrets.token_urlsafe(12)


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("A password needs at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
    return None
