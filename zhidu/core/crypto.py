"""Secrets kept encrypted at rest (webhook URLs with their tokens, signing secrets).

Fernet (AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package) under the keys in
``ZHIDU_FIELD_KEYS``, newest first: the first key encrypts, every key decrypts
(``MultiFernet``), so a key is rotated by putting a new one in front, running
``zhidu field_keys_rotate`` and then dropping the old one. Production must set the keys
(settings refuse to start without them); in development, when none are set, one key is
derived from ``SECRET_KEY`` with HKDF-SHA256 so a fresh checkout works.

A database dump alone, or a backup, then no longer gives away the tokens that let anyone
post into the company's group chats.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_HKDF_INFO = b"zhidu field encryption v1"


class FieldDecryptionError(ImproperlyConfigured):
    """A stored value no key in ``ZHIDU_FIELD_KEYS`` opens: the keys changed without a
    rotation, or the database came from another installation."""


def derive_key(secret_key: str) -> str:
    """A Fernet key derived from ``secret_key`` (HKDF-SHA256, fixed info, no salt: the same
    secret key must always give the same field key)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(raw).decode("ascii")


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def field_keys() -> tuple[str, ...]:
    keys = tuple(k for k in getattr(settings, "ZHIDU_FIELD_KEYS", ()) or () if k)
    return keys or (derive_key(settings.SECRET_KEY),)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode("ascii")) for k in keys])
    except (ValueError, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured(
            "ZHIDU_FIELD_KEYS: every key must be 32 url-safe base64-encoded bytes (a Fernet key)"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(field_keys())


def encrypt_str(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_str(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise FieldDecryptionError(
            "An encrypted value cannot be decrypted with ZHIDU_FIELD_KEYS: keep the old key in the "
            "list (after the new one) until `zhidu field_keys_rotate` has run"
        ) from exc


def is_encrypted(value: str) -> bool:
    """Whether ``value`` is a token one of the current keys opens."""
    try:
        decrypt_str(value)
    except FieldDecryptionError:
        return False
    return True


def rotate_str(token: str) -> str:
    """The same plain text, encrypted again under the first key."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise FieldDecryptionError("An encrypted value cannot be decrypted with ZHIDU_FIELD_KEYS") from exc
