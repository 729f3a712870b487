"""The server's side of wallboard screens (:mod:`controller.access.kiosk`): make a pairing
code for a token, spend it once for a screen cookie, and turn a cookie into a read-only
wallboard principal while its token lives."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from controller.access import kiosk
from controller.access.policy import Principal
from controller.access.store import AccessError
from controller.db.models import ApiToken

KIND = "kiosk"  # Principal.kind of a screen


@dataclass(frozen=True, slots=True)
class _Token:
    id: int
    name: str
    token_hash: str
    role: str
    scopes: frozenset[str]
    queues: frozenset[str] | None
    revoked: bool


def _row(row: ApiToken) -> _Token:
    return _Token(
        row.id, row.name, row.token_hash, row.role.name, frozenset(row.role.scopes),
        frozenset(row.queues) if row.queues else None, row.revoked_at is not None,
    )  # fmt: skip


def pairing_code(session: Session, key: bytes, name: str, now: float, seconds: int) -> str:
    """A pairing code for the machine token ``name`` (an AccessError naming what is wrong)."""
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None or row.revoked_at is not None:
        raise AccessError(f"no token {name!r} (pbxctl token list)", "name")
    if not kiosk.may_pair(row.role.scopes):
        raise AccessError(
            f"token {name!r} has role {row.role.name!r}: a screen stays signed in for a year, "
            "so only a token of the wallboard role pairs one (pbxctl token create NAME "
            "--role wallboard)",
            "name",
        )
    return kiosk.sign(key, kiosk.PAIRING, row.id, row.token_hash, int(now) + seconds)


class Kiosks:
    def __init__(
        self,
        factory: sessionmaker[Session],
        key: bytes,
        cache_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.factory = factory
        self.key = key
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._tokens: dict[int, tuple[_Token | None, float]] = {}
        self._spent: dict[str, float] = {}  # pairing codes used -> their expiry

    def _load(self, token_id: int) -> _Token | None:
        with self.factory() as session:
            row = session.get(ApiToken, token_id)
            return _row(row) if row is not None else None

    async def _token(self, token_id: int) -> _Token | None:
        now = time.monotonic()
        cached = self._tokens.get(token_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        found = await asyncio.to_thread(self._load, token_id)
        if len(self._tokens) > 10_000:
            self._tokens.clear()
        self._tokens[token_id] = (found, now + self.cache_seconds)
        return found

    async def _check(self, value: str, kind: str) -> tuple[kiosk.Signed, _Token] | None:
        signed = kiosk.parse(value, kind, self.clock())
        if signed is None:
            return None
        token = await self._token(signed.token_id)
        if token is None or token.revoked or not kiosk.may_pair(token.scopes):
            return None
        if not kiosk.genuine(self.key, value, signed, token.token_hash):
            return None
        return signed, token

    async def code_for(self, name: str, seconds: int = kiosk.PAIR_SECONDS) -> str:
        def make() -> str:
            with self.factory() as session:
                return pairing_code(session, self.key, name, self.clock(), seconds)

        return await asyncio.to_thread(make)

    async def pair(self, code: str) -> str | None:
        """Spend a pairing code: the screen's cookie value, or None (unknown, used, expired)."""
        now = self.clock()
        for used in [c for c, until in self._spent.items() if until <= now]:
            del self._spent[used]
        if code in self._spent:
            return None
        found = await self._check(code, kiosk.PAIRING)
        if found is None:
            return None
        signed, token = found
        self._spent[code] = signed.expires
        expires = int(now) + kiosk.COOKIE_SECONDS
        return kiosk.sign(self.key, kiosk.SCREEN, token.id, token.token_hash, expires)

    async def screen(self, cookie: str) -> Principal | None:
        """The read-only wallboard principal of a screen's cookie, or None."""
        found = await self._check(cookie, kiosk.SCREEN)
        if found is None:
            return None
        _, token = found
        return Principal(
            kind=KIND,
            name=token.name,
            role=token.role,
            patterns=token.scopes & kiosk.KIOSK_SCOPES,
            queues=token.queues,
            display_name=token.name,
        )
