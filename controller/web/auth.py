"""Who is calling: machine tokens (``Authorization: Bearer``), browser sessions (a cookie, with
a CSRF token for every change), one-use websocket tickets. The result is a
:class:`~controller.access.policy.Principal`, or a 401 that says what to send.

- Tokens are 256-bit random strings stored as SHA-256: one indexed lookup, cached for
  ``cache_seconds`` (a revoked token stops working within that time). Refusals are cached
  too, and an address that keeps sending unknown tokens is slowed down (429), so a flood of
  random tokens cannot cost a database query each.
- Sessions: see :mod:`controller.access.sessions`. Sign-in failures are throttled per login
  name and per address (:class:`~controller.access.throttle.Throttle`).
- Tickets: a browser cannot set a header on a websocket, and a long-lived token in a URL ends
  up in logs: ``POST /api/v1/ws/ticket`` gives a ticket good for one connection within 30 s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import ipaddress
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from controller.access import audit, sessions
from controller.access.policy import Principal
from controller.access.store import (
    TOKEN_PREFIX,
    authenticate,
    principal_of_token,
    principal_of_user,
    token_digest,
)
from controller.access.throttle import Throttle
from controller.agents.store import agent_queues
from controller.config import ApiSettings
from controller.db.models import ApiToken, User
from controller.web.errors import ApiError
from controller.web.kiosks import Kiosks

SESSION_COOKIE = "pbx_session"
KIOSK_COOKIE = "pbx_kiosk"
CSRF_HEADER = "X-CSRF-Token"
TICKET_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A browser session: who, its CSRF token, and the cookie's value."""

    principal: Principal
    csrf: str
    cookie: str


class _Cache:
    """A bounded LRU of token digest -> (principal or None, expiry)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[Principal | None, float]] = OrderedDict()

    def get(self, key: str, now: float) -> tuple[Principal | None] | None:
        item = self._items.get(key)
        if item is None or item[1] <= now:
            return None
        self._items.move_to_end(key)
        return (item[0],)

    def put(self, key: str, value: Principal | None, until: float) -> None:
        self._items[key] = (value, until)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


class Authenticator:
    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: ApiSettings | None = None,
        *,
        cache_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        kiosk_key: bytes | None = None,
    ) -> None:
        self.factory = factory
        # Wallboard screens (controller/access/kiosk.py); without the data directory's key
        # (tests) a key of this process: its pairing codes work only here.
        self.kiosks = Kiosks(factory, kiosk_key or secrets.token_bytes(32), cache_seconds)
        self.settings = settings or ApiSettings()
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._tokens = _Cache(10_000)
        self._tickets: dict[str, tuple[Principal, float]] = {}
        window = 15 * 60.0
        self.login_by_name = Throttle(self.settings.login_failures, window)
        self.login_by_address = Throttle(self.settings.login_failures * 4, window)
        self.bad_tokens = Throttle(30, 60.0)
        self.lifetime = sessions.Lifetime(
            idle=dt.timedelta(minutes=self.settings.session_idle_minutes),
            absolute=dt.timedelta(hours=self.settings.session_hours),
        )

    # -- machine tokens -------------------------------------------------------------------

    def _lookup_token(self, digest: str) -> Principal | None:
        with self.factory() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
            if row is None or row.revoked_at is not None:
                return None
            # Compare again in constant time (the index lookup itself is not).
            if not hmac.compare_digest(row.token_hash, digest):
                return None
            return principal_of_token(row)

    async def token(self, token: str, address: str) -> Principal:
        now = self._clock()
        wait = self.bad_tokens.blocked_for(address, now)
        if wait:
            raise _too_many(wait, "too many unknown tokens from this address")
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            self.bad_tokens.fail(address, now)
            raise ApiError(401, "unauthenticated", "the token is unknown or revoked")
        digest = token_digest(token)
        cached = self._tokens.get(digest, now)
        if cached is None:
            found = await asyncio.to_thread(self._lookup_token, digest)
            self._tokens.put(digest, found, now + self.cache_seconds)
        else:
            found = cached[0]
        if found is None:
            self.bad_tokens.fail(address, now)
            raise ApiError(401, "unauthenticated", "the token is unknown or revoked")
        return found

    def forget_tokens(self) -> None:
        """A token was revoked or changed here: do not wait for the cache to expire."""
        self._tokens.clear()

    # -- browser sessions -------------------------------------------------------------------

    def _principal_of(self, session: Session, user: User) -> Principal:
        who = principal_of_user(user)
        if who.queues is None and user.agent_code and user.role.name == "agent":
            # An agent sees the queues they serve, not the whole call center.
            mine = agent_queues(session).get(user.agent_code, frozenset())
            who = replace(who, queues=mine)
        return who

    def _find_session(self, cookie: str) -> SignedIn | None:
        with self.factory() as session, session.begin():
            found = sessions.find_session(session, cookie, self.lifetime)
            if found is None:
                return None
            row, user = found
            return SignedIn(self._principal_of(session, user), row.csrf_token, cookie)

    async def session(self, cookie: str) -> SignedIn | None:
        return await asyncio.to_thread(self._find_session, cookie)

    def _sign_in(self, login: str, password: str, address: str, user_agent: str) -> SignedIn | None:
        with self.factory() as session, session.begin():
            user = authenticate(session, login, password)
            actor = audit.Actor("user" if user else "anonymous", login[:64], address)
            audit.record(session, actor, audit.Entry(
                "login.success" if user else "login.failure", "user", login[:64],
                success=user is not None,
            ))  # fmt: skip
            if user is None:
                return None
            opened = sessions.open_session(session, user, self.lifetime, address, user_agent)
            session.flush()
            return SignedIn(self._principal_of(session, user), opened.csrf, opened.cookie)

    async def sign_in(self, login: str, password: str, address: str, user_agent: str) -> SignedIn:
        """A new session, or an ApiError: 429 while throttled, 401 when refused."""
        name = login.strip().lower()
        now = self._clock()
        wait = max(
            self.login_by_name.blocked_for(name, now),
            self.login_by_address.blocked_for(address, now),
        )
        if wait:
            raise _too_many(wait, "too many failed sign-ins; wait and try again")
        signed = await asyncio.to_thread(self._sign_in, name, password, address, user_agent)
        if signed is None:
            self.login_by_name.fail(name, now)
            self.login_by_address.fail(address, now)
            raise ApiError(401, "unauthenticated", "wrong login name or password")
        self.login_by_name.forget(name)
        return signed

    def _sign_out(self, signed: SignedIn, address: str) -> None:
        with self.factory() as session, session.begin():
            sessions.close_session(session, signed.cookie)
            audit.record(
                session,
                audit.Actor.of(signed.principal, address),
                audit.Entry("logout", "user", signed.principal.name),
            )

    async def sign_out(self, signed: SignedIn, address: str) -> None:
        await asyncio.to_thread(self._sign_out, signed, address)

    # -- websocket tickets --------------------------------------------------------------------

    def issue_ticket(self, who: Principal) -> str:
        now = self._clock()
        for key in [k for k, (_, until) in self._tickets.items() if until <= now]:
            del self._tickets[key]
        ticket = secrets.token_urlsafe(24)
        self._tickets[ticket] = (who, now + TICKET_SECONDS)
        return ticket

    def redeem_ticket(self, ticket: str) -> Principal | None:
        found = self._tickets.pop(ticket, None)
        if found is None or found[1] <= self._clock():
            return None
        return found[0]

    # -- where a request comes from -------------------------------------------------------------

    def _trusted(self, remote: str) -> bool:
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            return False
        return any(address in network for network in self.settings.trusted_proxies)

    def address(self, request: web.Request) -> str:
        """The client's address; behind a trusted reverse proxy, from X-Forwarded-For."""
        remote = request.remote or ""
        if self._trusted(remote):
            hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
            for hop in reversed([h for h in hops if h]):
                if not self._trusted(hop):
                    return hop[:64]
        return remote[:64]

    def secure(self, request: web.Request) -> bool:
        """Whether the browser reached us over HTTPS (itself, or at a trusted proxy)."""
        if request.secure:
            return True
        forwarded = request.headers.get("X-Forwarded-Proto", "")
        return self._trusted(request.remote or "") and forwarded.lower() == "https"


def _too_many(wait: float, message: str) -> ApiError:
    seconds = str(int(wait) + 1)
    return ApiError(
        429, "too_many_requests", f"{message} (in {seconds} s)", headers={"Retry-After": seconds}
    )


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
