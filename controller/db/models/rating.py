"""Call cost: each answered outgoing trunk leg of a call, rated from the trunk tariffs.

Written by the history writer when it stores the finished call, rewritten by
``pbxctl cost rerate`` after tariffs change (see controller/rating/ and docs/reports.md).
Amounts are integers of ten-thousandths of the currency (tariffs have at most four decimal
places): they add up exactly in SQL on every database. The facts (trunk, route, number,
answered duration) are kept as they were at the call; a re-rate recomputes the money only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from controller.db.base import Base
from controller.db.models.history import BigId
from controller.db.types import UtcDateTime


class CallCharge(Base):
    __tablename__ = "call_charge"
    __table_args__ = (
        UniqueConstraint("call_id", "channel_uid"),
        Index("ix_call_charge_local_date", "local_date", "trunk"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"))
    channel_uid: Mapped[str] = mapped_column(String(64))  # the trunk channel's uniqueid
    trunk: Mapped[str] = mapped_column(String(64))
    route: Mapped[str | None] = mapped_column(String(64))  # None: not placed through a route
    number_e164: Mapped[str | None] = mapped_column(String(32))  # the number sent, if known
    agent_code: Mapped[str | None] = mapped_column(String(16))  # whose phone placed it
    local_date: Mapped[dt.date] = mapped_column(Date)  # the call's, frozen like call.local_date
    duration_ms: Mapped[int] = mapped_column(Integer)  # the trunk leg, answered to hung up
    allowed_trunks: Mapped[list[str]] = mapped_column(JSON)  # the route's trunks at the call
    currency: Mapped[str] = mapped_column(String(3))
    tariff_prefix: Mapped[str | None] = mapped_column(String(32))  # None: no tariff matched
    billed_seconds: Mapped[int] = mapped_column(Integer)
    cost_units: Mapped[int | None] = mapped_column(BigInteger)  # None: unpriced
    dearest_trunk: Mapped[str | None] = mapped_column(String(64))
    dearest_units: Mapped[int | None] = mapped_column(BigInteger)
    rated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    rated_revision: Mapped[int] = mapped_column(Integer)  # configuration revision of the tariffs
