"""Follow-ups (工单): a task that came of a call, for a customer, assigned to someone.

- :class:`Followup`: the task: the call (``linkedid``) and customer it belongs to, the queue
  whose supervisors see it, subject, notes, assignee (an agent or a user), due time, status;
- :class:`FollowupChange`: its history, one row per creation or change, with what changed
  (``{field: [old, new]}``) and who changed it. The code never updates or deletes a change.

Calls, customers, queues and agents are referred to by their natural keys (as the history
does), so a re-imported configuration or a rebuilt history never orphans a follow-up.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.db.base import Base
from controller.db.types import UtcDateTime, str_enum

BigId = BigInteger().with_variant(Integer, "sqlite")


class FollowupStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Followup(Base):
    __tablename__ = "followup"
    __table_args__ = (
        Index("ix_followup_status_due", "status", "due_at"),
        Index("ix_followup_assignee", "assignee_agent", "status"),
        Index("ix_followup_queue", "queue_name", "status"),
        Index("ix_followup_customer", "customer_code"),
        Index("ix_followup_linkedid", "linkedid"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str | None] = mapped_column(String(64))  # the call it came of
    customer_code: Mapped[str | None] = mapped_column(String(64))
    customer_number: Mapped[str | None] = mapped_column(String(32))  # E.164 when known
    queue_name: Mapped[str | None] = mapped_column(String(64))  # its supervisors see it
    subject: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    assignee_agent: Mapped[str | None] = mapped_column(String(16))
    assignee_user: Mapped[str | None] = mapped_column(String(64))  # a user's login
    due_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[FollowupStatus] = mapped_column(str_enum(FollowupStatus, "followup_status"))
    version: Mapped[int] = mapped_column(Integer, default=1)  # +1 per change
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(80))  # "user lihua", "token crm"
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(80))

    changes: Mapped[list[FollowupChange]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="FollowupChange.id"
    )


class FollowupChange(Base):
    __tablename__ = "followup_change"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("followup.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(16))  # created, changed
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)  # {field: [old, new]}
