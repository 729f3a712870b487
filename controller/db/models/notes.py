"""Notes and a disposition saved with a call, one per agent who handled it (docs/crm.md).

Keyed on the call's natural key (``server_id``, ``linkedid``), not on ``call.id``: an agent
writes them while the call is live or in after-call work, before the history has the call,
and the history may be rebuilt (recovery, restore) without losing them. The disposition is
a code (a string), so removing it from the configuration never rewrites past calls.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from controller.db.base import Base
from controller.db.types import UtcDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")


class CallNote(Base):
    __tablename__ = "call_note"
    __table_args__ = (
        UniqueConstraint("server_id", "linkedid", "agent_code"),
        Index("ix_call_note_agent", "agent_code", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str] = mapped_column(String(64))
    agent_code: Mapped[str] = mapped_column(String(16))  # whose work on the call it describes
    disposition_code: Mapped[str | None] = mapped_column(String(48))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))  # "user lihua", "token crm"
