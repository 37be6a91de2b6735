"""Encryption of sensitive fields at rest (ID card and bank card numbers).

AES-256-GCM with a key derived by HKDF-SHA256 from ``ONRAMP_FIELD_KEY`` (or, when that is
not set, from the app's secret key). A stored value reads ``v1.<key id>.<base64>``: the key
id is a short fingerprint of the key that sealed it, so keys can rotate — put the new
secret first in ``ONRAMP_FIELD_KEY=new,old``; values sealed with the old one still open,
and :func:`field_needs_rekey` finds the rows to re-encrypt.

The associated data binds a value to its row and field ("candidate_profile:7:id_number"),
so a ciphertext copied into another candidate's row or another column does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.config import get_settings

_VERSION = "v1"
_NONCE_BYTES = 12
_HKDF_INFO = b"onramp field encryption v1"


class FieldDecryptError(Exception):
    """A stored value could not be opened: unknown key id, tampering or corruption."""


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    aead: AESGCM


def _derive(secret: str) -> FieldKey:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret.encode()
    )
    # The id fingerprints the derived key (not the secret) and reveals nothing usable.
    key_id = hashlib.sha256(b"onramp key id" + raw).hexdigest()[:8]
    return FieldKey(key_id=key_id, aead=AESGCM(raw))


@cache
def _keys(field_key: str, secret_key: str) -> tuple[FieldKey, ...]:
    secrets_in_order = [part.strip() for part in field_key.split(",") if part.strip()]
    # The secret-key-derived key always decrypts, so setting ONRAMP_FIELD_KEY later
    # does not strand values sealed before it was set.
    secrets_in_order.append(secret_key)
    keys: list[FieldKey] = []
    for secret in secrets_in_order:
        key = _derive(secret)
        if key.key_id not in {k.key_id for k in keys}:
            keys.append(key)
    return tuple(keys)


def field_keys() -> tuple[FieldKey, ...]:
    """The keys in use; the first one encrypts."""
    settings = get_settings()
    return _keys(settings.field_key, settings.secret_key)


def field_encrypt(plain: str, *, context: str) -> str:
    key = field_keys()[0]
    nonce = os.urandom(_NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plain.encode(), context.encode())
    return f"{_VERSION}.{key.key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def field_decrypt(stored: str, *, context: str) -> str:
    try:
        version, key_id, payload = stored.split(".", 2)
        blob = base64.urlsafe_b64decode(payload.encode())
    except (ValueError, AttributeError):
        raise FieldDecryptError("malformed value") from None
    if version != _VERSION:
        raise FieldDecryptError(f"unknown format {version!r}")
    key = next((k for k in field_keys() if k.key_id == key_id), None)
    if key is None:
        raise FieldDecryptError(f"no key with id {key_id!r} is configured")
    try:
        plain = key.aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError):
        raise FieldDecryptError("value does not open with its key") from None
    return plain.decode()


def field_key_id(stored: str) -> str:
    parts = stored.split(".", 2)
    return parts[1] if len(parts) == 3 else ""


def field_needs_rekey(stored: str) -> bool:
    """True when ``stored`` was sealed with a key other than the current one."""
    return bool(stored) and field_key_id(stored) != field_keys()[0].key_id
