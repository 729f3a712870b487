"""Signed-in browsers: a random cookie value (only its SHA-256 is stored), a CSRF token, an
idle timeout and an absolute end. A session found expired is deleted when it is looked at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from controller.db.models import User, WebSession

# Refresh last_seen_at at most this often: each request need not write to the database.
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Lifetime:
    idle: dt.timedelta
    absolute: dt.timedelta


@dataclass(frozen=True, slots=True)
class Opened:
    cookie: str  # the value to send, once
    csrf: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def open_session(
    session: Session,
    user: User,
    lifetime: Lifetime,
    address: str = "",
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> Opened:
    now = now or dt.datetime.now(dt.UTC)
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_digest(cookie),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime.absolute,
            address=address[:64],
            user_agent=user_agent[:200],
        )
    )
    return Opened(cookie, csrf)


def find_session(
    session: Session, cookie: str, lifetime: Lifetime, now: dt.datetime | None = None
) -> tuple[WebSession, User] | None:
    """The live session and its (enabled) user, or None; an expired session is deleted."""
    if not cookie or len(cookie) > 100:
        return None
    now = now or dt.datetime.now(dt.UTC)
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(cookie)))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    expired = now >= row.expires_at or now - row.last_seen_at >= lifetime.idle
    if expired or user is None or user.disabled_at is not None:
        session.delete(row)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row, user


def close_session(session: Session, cookie: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _digest(cookie)))


def close_all(session: Session, user_id: int) -> None:
    """Sign a user out everywhere (password changed, user disabled)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def purge_expired(session: Session, lifetime: Lifetime, now: dt.datetime | None = None) -> int:
    now = now or dt.datetime.now(dt.UTC)
    result = session.execute(
        delete(WebSession).where(
            (WebSession.expires_at <= now) | (WebSession.last_seen_at <= now - lifetime.idle)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
