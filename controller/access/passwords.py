"""Password hashing with scrypt (memory-hard, in the standard library).

Stored as ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (base64), so the cost can be raised later:
a hash with old parameters still verifies and :func:`needs_rehash` says to store a new one.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from controller.errors import Message

N, R, P = 2**15, 8, 1  # 32 MiB of memory per hash: slow for an attacker's GPU, fast enough here
MAX_MEMORY = 64 * 1024 * 1024
MIN_LENGTH, MAX_LENGTH = 10, 256


class PasswordError(ValueError):
    """A password that is not acceptable (the message says why)."""


def check_password(password: str, login: str = "") -> str:
    if len(password) < MIN_LENGTH:
        raise PasswordError(Message("field password: at least {n} characters", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise PasswordError(Message("field password: at most {n} characters", n=MAX_LENGTH))
    if login and password.lower() == login.lower():
        raise PasswordError(Message("field password: must not be the login name"))
    return password


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=MAX_MEMORY, dklen=32)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, N, R, P)
    encode = base64.b64encode
    return f"scrypt${N}${R}${P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def needs_rehash(stored: str) -> bool:
    return not stored.startswith(f"scrypt${N}${R}${P}$")


@functools.cache
def dummy_hash() -> str:
    """Compared against when the login name is unknown, so a refusal takes as long either way."""
    return hash_password(secrets.token_urlsafe(16))
