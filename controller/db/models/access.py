"""Users, roles, browser sessions and the audit log (see controller/access and docs/security.md).

- :class:`Role`: a named bundle of scope patterns; the five shipped roles are ``builtin``.
- :class:`User`: a person who signs in to the web pages (and the API with its session): login
  name, display name, language, the agent they are (if any), a scrypt password hash, a role
  and the queues the role is narrowed to (``queues`` None: all).
- :class:`WebSession`: a signed-in browser: only the SHA-256 of its cookie is stored, with
  its CSRF token and its idle and absolute expiry.
- :class:`AuditEvent`: append-only: who did what to what, when, from where. The code has
  no path that updates or deletes a row.

Machine tokens (:class:`~controller.db.models.live.ApiToken`) carry a role and queues too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.db.base import Base
from controller.db.types import UtcDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")


class Role(Base):
    __tablename__ = "role"
    # The migrations create the shipped roles: a database holding only them holds no data of
    # its own (a restore replaces them with the backup's).
    __table_args__ = ({"info": {"seeded": True}},)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    scopes: Mapped[list[str]] = mapped_column(JSON)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Base):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    agent_code: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"))
    queues: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    role: Mapped[Role] = relationship(lazy="joined")


class WebSession(Base):
    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)  # absolute end
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_actor", "actor", "at"),
        Index("ix_audit_event_action", "action", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor_kind: Mapped[str] = mapped_column(String(16))  # user, token, cli, system, anonymous
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))  # call.listen, login.failure ...
    object_kind: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(128), default="")
    linkedid: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), default="")
    success: Mapped[bool] = mapped_column(Boolean, default=True)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
