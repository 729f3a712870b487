"""Wallboard screens (kiosks): a browser that shows the wallboard for a year without anyone
signing in, and never holds a long-lived token.

1. ``pbxctl kiosk link NAME`` (or ``POST /api/v1/kiosk/link`` with the token itself) makes a
   pairing link ``/kiosk?code=...`` for the machine token NAME, good once within 10 minutes;
2. the screen's browser opens it: the server checks the code and sets a cookie good for
   ``COOKIE_DAYS`` that lets that browser read the wallboard of the token's queues, and
   nothing else (the ``wallboard`` role); the code is spent;
3. ``pbxctl token revoke NAME`` ends every screen the token paired (within the token cache's
   30 s): the cookie is bound to the token's stored hash.

Codes and cookies are ``<kind>.<token id>.<expiry>.<mac>``: an HMAC-SHA256 over the kind, the
token's id, the expiry and the token's stored hash, with a key only the server's data
directory holds (``secrets/kiosk-key``). A stolen code is worth 10 minutes once, a stolen
cookie a wallboard; neither is the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from controller.access.roles import BUILTIN, WALLBOARD
from controller.digits import ascii_digits

PAIR_SECONDS = 600
COOKIE_DAYS = 365
COOKIE_SECONDS = COOKIE_DAYS * 86400
PAIRING, SCREEN = "p", "k"
KEY_NAME = "kiosk-key"  # in the data directory's secrets (controller/secrets.py)
# A kiosk stays signed in for a year: only a token that can do no more than a wallboard pairs.
KIOSK_SCOPES = frozenset(BUILTIN[WALLBOARD])


@dataclass(frozen=True, slots=True)
class Signed:
    kind: str
    token_id: int
    expires: int  # epoch seconds


def may_pair(role_scopes: list[str] | frozenset[str]) -> bool:
    return set(role_scopes) <= KIOSK_SCOPES


def _mac(key: bytes, kind: str, token_id: int, expires: int, token_hash: str) -> str:
    message = f"{kind}|{token_id}|{expires}|{token_hash}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, kind: str, token_id: int, token_hash: str, expires: int) -> str:
    return f"{kind}.{token_id}.{expires}.{_mac(key, kind, token_id, expires, token_hash)}"


def parse(value: str, kind: str, now: float) -> Signed | None:
    """The code or cookie's claims if well-formed, of ``kind`` and not expired (not yet
    checked against the token: see :func:`genuine`)."""
    if not value or len(value) > 120:
        return None
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != kind:
        return None
    if not ascii_digits(parts[1]) or not ascii_digits(parts[2]):
        return None
    signed = Signed(kind, int(parts[1]), int(parts[2]))
    return signed if signed.expires > now else None


def genuine(key: bytes, value: str, signed: Signed, token_hash: str) -> bool:
    mac = value.rsplit(".", 1)[-1]
    expected = _mac(key, signed.kind, signed.token_id, signed.expires, token_hash)
    return hmac.compare_digest(mac.encode(), expected.encode())
