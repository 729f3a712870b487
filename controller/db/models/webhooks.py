"""CRM webhooks: the endpoints events are sent to, and every delivery (the delivery log).

- :class:`WebhookEndpoint`: a URL, its signing secret, which events and queues it wants;
- :class:`WebhookDelivery`: one event for one endpoint: the exact body that is signed and
  sent, its status, attempts and the outcome of the last one. Pending deliveries are the
  queue ``pbxctl serve`` works through, so they survive a restart (docs/crm.md).

The secret is stored as is: it signs every request, so it cannot be stored hashed; the
database and backups hold it like the other generated secrets (docs/backup.md).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from controller.db.base import Base
from controller.db.types import UtcDateTime, str_enum

BigId = BigInteger().with_variant(Integer, "sqlite")


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # every attempt failed: given up
    DROPPED = "dropped"  # pending when the endpoint was disabled, or beyond its queue's bound


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[list[str]] = mapped_column(JSON)  # []: every event
    queues: Mapped[list[str] | None] = mapped_column(JSON)  # None: every queue
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The queue, read per endpoint (one slow endpoint cannot starve another).
        Index("ix_webhook_delivery_due", "endpoint_id", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "created_at"),  # the log
        Index("ix_webhook_delivery_created", "created_at"),  # forgetting old deliveries
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))  # the event's id, in the body too
    event: Mapped[str] = mapped_column(String(48))
    payload: Mapped[str] = mapped_column(Text)  # the body, exactly as signed and sent
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus, "delivery_status"))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_status: Mapped[int | None] = mapped_column(SmallInteger)  # the HTTP status
    last_error: Mapped[str] = mapped_column(String(500), default="")
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    test: Mapped[bool] = mapped_column(Boolean, default=False)  # a test send
