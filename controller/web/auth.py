"""Bearer tokens for every endpoint: created by ``pbxctl token create``, stored as SHA-256.

A token is ``pbx_`` + 43 random URL-safe characters (256 bits), so a plain SHA-256 is a safe
and fast way to store it; verification is one indexed lookup, cached for ``cache_seconds`` so
a busy wallboard does not query the database on every request (a revoked token therefore
stops working within that time).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from controller.db.models import ApiToken
from controller.errors import ControllerError

PREFIX = "pbx_"


class TokenError(ControllerError):
    """A token cannot be created or revoked (duplicate or unknown name)."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    name: str
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str) -> str:
    """Create a token called ``name``; return it (shown once, never stored in clear)."""
    if not name or len(name) > 64:
        raise TokenError("token name: 1 to 64 characters")
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise TokenError(f"a token named {name!r} exists already; revoke it or pick another name")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=name,
            token_hash=digest(token),
            prefix=token[:12],
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    return token


def revoke_token(session: Session, name: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise TokenError(f"no token named {name!r}")
    row.revoked_at = row.revoked_at or dt.datetime.now(dt.UTC)


def list_tokens(session: Session) -> list[TokenInfo]:
    rows = session.scalars(select(ApiToken).order_by(ApiToken.name)).all()
    return [TokenInfo(r.name, r.prefix, r.created_at, r.revoked_at) for r in rows]


class TokenStore:
    def __init__(self, factory: sessionmaker[Session], cache_seconds: float = 30.0) -> None:
        self._factory = factory
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[str | None, float]] = {}

    def _lookup(self, hashed: str) -> str | None:
        with self._factory() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hashed))
        if row is None or row.revoked_at is not None:
            return None
        # Compare again in constant time (the index lookup itself is not).
        return row.name if hmac.compare_digest(row.token_hash, hashed) else None

    async def verify(self, token: str) -> str | None:
        """The token's name, or None when it is unknown or revoked."""
        if not token.startswith(PREFIX) or len(token) > 100:
            return None
        hashed = digest(token)
        cached = self._cache.get(hashed)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        name = await asyncio.to_thread(self._lookup, hashed)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[hashed] = (name, now + self.cache_seconds)
        return name
