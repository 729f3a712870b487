"""State the live service keeps: API tokens and which agents are logged in where.

- :class:`ApiToken`: a bearer token for the HTTP/websocket API (a wallboard, a CRM), created
  with ``pbxctl token create NAME --role ROLE``: it may do what its role allows, on its queues.
  Only its SHA-256 is stored (tokens are 256-bit random strings, so a fast hash is enough and
  lookups stay a single indexed equality).
- :class:`AgentLogin`: an agent's login (the device their calls ring), pause and reason, and
  the queues the agent signed out of while staying in the others (per-queue login). It is
  the source of truth for queue membership: after Asterisk restarts, the service applies it
  again over AMI (QueueAdd with the configured penalties, AstDB ``pbx-agent/<code>``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.db.base import Base
from controller.db.models.access import Role
from controller.db.models.callcenter import Agent
from controller.db.types import UtcDateTime


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to recognise a token
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"))
    queues: Mapped[list[str] | None] = mapped_column(JSON)  # None: every queue

    role: Mapped[Role] = relationship(lazy="joined")


class AgentLogin(Base):
    __tablename__ = "agent_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), unique=True)
    device: Mapped[str] = mapped_column(String(128))  # e.g. PJSIP/1001
    logged_in_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str | None] = mapped_column(String(32))
    paused_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Queues needing a login that the agent signed out of while staying logged in to the
    # others (per-queue login); None: none, the agent is in all of them.
    queues_out: Mapped[list[str] | None] = mapped_column(JSON)

    agent: Mapped[Agent] = relationship()
