"""Hourly rollups of the report facts, kept by the reports (controller/reports/rollup.py).

Not a second source of truth: each row is what the report's own fact queries give for one
local hour, stored so a month's report reads ~700 rows per queue instead of every queue leg.
They can be rebuilt from the history at any time (``pbxctl report-rollup --rebuild``) and a
test checks them equal to the raw computation. The history writer marks the hours it writes
(:class:`ReportDirtyHour`); a marked hour is computed again before a report reads it.
Hours outside :class:`ReportRollupRange` are always computed from the facts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from controller.db.base import Base
from controller.db.types import UtcDateTime


class ReportQueueHour(Base):
    """queue_facts.QueueFacts of one queue (``""``: the whole center) in one local hour."""

    __tablename__ = "report_queue_hour"

    local_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    local_hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    queue_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answered_in_sl: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_in_sl: Mapped[int] = mapped_column(Integer, default=0)
    timeout: Mapped[int] = mapped_column(Integer, default=0)
    exit_key: Mapped[int] = mapped_column(Integer, default=0)
    no_agents: Mapped[int] = mapped_column(Integer, default=0)
    full: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    wait_answered_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    max_wait_answered_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_abandoned_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    max_wait_abandoned_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    handled: Mapped[int] = mapped_column(Integer, default=0)
    talk_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    hold_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    acw_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    sl_seconds: Mapped[int] = mapped_column(Integer, default=0)


class ReportAgentHour(Base):
    """agent_facts.AgentFacts' call counts of one agent in one local hour."""

    __tablename__ = "report_agent_hour"

    local_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    local_hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    agent_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    handled: Mapped[int] = mapped_column(Integer, default=0)
    talk_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    hold_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    acw_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    transfers_received: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)
    transfers_made: Mapped[int] = mapped_column(Integer, default=0)


class ReportAgentStateHour(Base):
    """An agent's time in one state (and pause reason, ``""`` for none) in one local hour."""

    __tablename__ = "report_agent_state_hour"

    local_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    local_hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    agent_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    ms: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportAgentDay(Base):
    """The sum of :class:`ReportAgentHour`'s rows of one local date (kept with them): what a
    report by day or longer reads for the whole days of its window."""

    __tablename__ = "report_agent_day"

    local_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    agent_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    handled: Mapped[int] = mapped_column(Integer, default=0)
    talk_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    hold_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    acw_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    transfers_received: Mapped[int] = mapped_column(Integer, default=0)
    missed: Mapped[int] = mapped_column(Integer, default=0)
    transfers_made: Mapped[int] = mapped_column(Integer, default=0)


class ReportAgentStateDay(Base):
    """The sum of :class:`ReportAgentStateHour`'s rows of one local date."""

    __tablename__ = "report_agent_state_day"

    local_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    agent_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    ms: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportDirtyHour(Base):
    """A local hour the history writer changed: its rollup rows are computed again. A mark
    made again while the hour is being computed moves ``marked_at``, so that computation
    does not clear it."""

    __tablename__ = "report_dirty_hour"

    local_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    local_hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    marked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ReportRollupRange(Base):
    """The hours the rollups cover: [since, until) in UTC, on local hour edges (one row)."""

    __tablename__ = "report_rollup_range"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    since: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    until: Mapped[dt.datetime] = mapped_column(UtcDateTime)
