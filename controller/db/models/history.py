"""Call history: facts, never ratios (see docs/history.md and the reporting reference).

Grains, from coarse to fine:

- :class:`Call`: one customer call, keyed on Asterisk's ``linkedid`` (per server);
- :class:`CallChannel`: one channel (leg) of the call, keyed on its ``uniqueid``;
- :class:`QueueLeg`: one stay in one queue (ENTERQUEUE to its exit), with wait and outcome;
- :class:`AgentAttempt`: one ring at one queue member;
- :class:`Handling`: one agent's contiguous work on a call (talk, hold, after-call work);
- :class:`HoldInterval`, :class:`Transfer`, :class:`Recording`, :class:`SurveyResponse`;
- :class:`AgentStateInterval`: one span of an agent in one state (ready, paused ...);
- :class:`CallbackRequest` / :class:`CallbackAttempt`;
- :class:`QueueConfigVersion`: service-level thresholds in force from a point in time, so a
  changed threshold never rewrites the past;
- :class:`RawQueueLogLine`, :class:`RawAmiEvent`: verbatim inputs, so derived rows can be rebuilt.

History refers to agents and queues by their natural keys (agent code, queue name), which is
what Asterisk logs, so deleting or re-importing configuration never orphans or rewrites it.
Times are UTC (:class:`UtcDateTime`); ``local_date``/``local_hour`` are frozen at insert in
the site's time zone, because reports group by them and they cannot be indexed as expressions.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.db.base import Base
from controller.db.types import UtcDateTime, str_enum

# SQLite only auto-increments INTEGER PRIMARY KEY; elsewhere history ids are 64-bit.
BigId = BigInteger().with_variant(Integer, "sqlite")


class CallDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class CallOutcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    CALLBACK = "callback"  # the caller left a callback request
    VOICEMAIL = "voicemail"
    TRANSFERRED = "transferred"
    UNANSWERED = "unanswered"  # ended without reaching anyone (timeouts, no agents, IVR hangup)
    BUSY = "busy"  # the called party was busy (outbound and internal calls)
    FAILED = "failed"  # the call could not be put through (no trunk, congestion, bad number)
    REJECTED = "rejected"  # blacklisted caller
    CLOSED = "closed"  # arrived outside business hours or on a holiday; reached no one


class CallSource(StrEnum):
    """How the history learnt of a call (see docs/history.md, "After a crash")."""

    LIVE = "live"  # followed whole over AMI
    RECOVERED = "recovered"  # partly or wholly rebuilt from Asterisk's CEL and queue_log
    PARTIAL = "partial"  # part of it happened while nothing could be recovered


class LegOutcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TIMEOUT = "timeout"
    EXIT_KEY = "exit_key"
    EXIT_EMPTY = "exit_empty"
    WITHDRAWN = "withdrawn"
    REFUSED_FULL = "refused_full"
    REFUSED_EMPTY = "refused_empty"
    REFUSED_UNAVAILABLE = "refused_unavailable"


class CompletedBy(StrEnum):
    CALLER = "caller"
    AGENT = "agent"
    TRANSFER = "transfer"


class AttemptResult(StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    CANCELED = "canceled"
    BUSY = "busy"
    DUMP = "dump"


class AgentState(StrEnum):
    READY = "ready"
    RINGING = "ringing"
    ON_CALL = "on_call"
    ACW = "acw"
    PAUSED = "paused"


class TransferKind(StrEnum):
    BLIND = "blind"
    ATTENDED = "attended"


class CallbackState(StrEnum):
    PENDING = "pending"
    DIALING = "dialing"
    DONE = "done"
    EXPIRED = "expired"
    CANCELED = "canceled"
    FAILED = "failed"


class CallbackResult(StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    AGENT_HANGUP = "agent_hangup"


class Call(Base):
    __tablename__ = "call"
    __table_args__ = (
        UniqueConstraint("server_id", "linkedid"),
        Index("ix_call_started", "started_at"),
        Index("ix_call_caller", "caller_e164", "started_at"),
        Index("ix_call_customer", "customer_code", "started_at"),
        Index("ix_call_local", "local_date", "local_hour"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str] = mapped_column(String(64))
    direction: Mapped[CallDirection] = mapped_column(str_enum(CallDirection, "call_direction"))
    caller_number: Mapped[str] = mapped_column(String(64), default="")
    caller_e164: Mapped[str | None] = mapped_column(String(32))
    caller_name: Mapped[str] = mapped_column(String(128), default="")
    called_number: Mapped[str] = mapped_column(String(64), default="")
    did: Mapped[str | None] = mapped_column(String(32))
    route: Mapped[str | None] = mapped_column(String(64))  # the inbound route that took it
    region: Mapped[str | None] = mapped_column(String(128))  # 归属地, frozen at ingress
    ivr_path: Mapped[str] = mapped_column(String(255), default="")
    customer_code: Mapped[str | None] = mapped_column(String(64))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    local_date: Mapped[dt.date] = mapped_column(Date)
    local_hour: Mapped[int] = mapped_column(SmallInteger)
    outcome: Mapped[CallOutcome | None] = mapped_column(str_enum(CallOutcome, "call_outcome"))
    source: Mapped[CallSource] = mapped_column(
        str_enum(CallSource, "call_source"), default=CallSource.LIVE, server_default="live"
    )

    channels: Mapped[list[CallChannel]] = relationship(
        back_populates="call", cascade="all, delete-orphan", passive_deletes=True
    )
    queue_legs: Mapped[list[QueueLeg]] = relationship(
        back_populates="call", cascade="all, delete-orphan", passive_deletes=True
    )
    handlings: Mapped[list[Handling]] = relationship(
        back_populates="call", cascade="all, delete-orphan", passive_deletes=True
    )


class CallChannel(Base):
    __tablename__ = "call_channel"
    __table_args__ = (UniqueConstraint("server_id", "uniqueid"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[str] = mapped_column(String(64))
    uniqueid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))  # caller, agent, trunk, local, other
    caller_number: Mapped[str] = mapped_column(String(64), default="")
    caller_name: Mapped[str] = mapped_column(String(128), default="")
    connected_number: Mapped[str] = mapped_column(String(64), default="")
    context: Mapped[str] = mapped_column(String(80), default="")
    exten: Mapped[str] = mapped_column(String(80), default="")
    agent_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    hangup_cause: Mapped[int | None] = mapped_column(SmallInteger)

    call: Mapped[Call] = relationship(back_populates="channels")


class QueueConfigVersion(Base):
    """Thresholds of a queue in force from ``valid_from`` on (written when they change)."""

    __tablename__ = "queue_config_version"
    __table_args__ = (UniqueConstraint("queue_name", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_name: Mapped[str] = mapped_column(String(64))
    service_level_seconds: Mapped[int] = mapped_column(Integer)
    short_abandon_seconds: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class QueueLeg(Base):
    __tablename__ = "queue_leg"
    __table_args__ = (
        Index("ix_queue_leg_q_day_hour", "queue_name", "local_date", "local_hour"),
        Index("ix_queue_leg_day_hour", "local_date", "local_hour"),
        Index("ix_queue_leg_entered", "entered_at"),
        Index("ix_queue_leg_entry_uid", "entry_channel_uid"),
        Index("ix_queue_leg_agent", "answered_by_agent", "local_date"),
        Index("ix_queue_leg_q_outcome_day", "queue_name", "outcome", "local_date", "entered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    queue_name: Mapped[str] = mapped_column(String(64))
    queue_config_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("queue_config_version.id")
    )
    entry_channel_uid: Mapped[str] = mapped_column(String(64))  # = queue_log callid
    entered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    connected_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    wait_ms: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[LegOutcome | None] = mapped_column(str_enum(LegOutcome, "leg_outcome"))
    exit_key: Mapped[str | None] = mapped_column(String(1))
    orig_position: Mapped[int | None] = mapped_column(SmallInteger)
    exit_position: Mapped[int | None] = mapped_column(SmallInteger)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)
    answered_by_agent: Mapped[str | None] = mapped_column(String(16))
    member_channel_uid: Mapped[str | None] = mapped_column(String(64))
    ring_ms: Mapped[int | None] = mapped_column(Integer)
    completed_by: Mapped[CompletedBy | None] = mapped_column(str_enum(CompletedBy, "completed_by"))
    prev_leg_id: Mapped[int | None] = mapped_column(ForeignKey("queue_leg.id"))
    callback_request_id: Mapped[int | None] = mapped_column(ForeignKey("callback_request.id"))
    local_date: Mapped[dt.date] = mapped_column(Date)
    local_hour: Mapped[int] = mapped_column(SmallInteger)

    call: Mapped[Call] = relationship(back_populates="queue_legs")
    attempts: Mapped[list[AgentAttempt]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class AgentAttempt(Base):
    __tablename__ = "agent_attempt"
    __table_args__ = (Index("ix_agent_attempt_agent_rang", "agent_code", "rang_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    leg_id: Mapped[int] = mapped_column(ForeignKey("queue_leg.id", ondelete="CASCADE"), index=True)
    agent_code: Mapped[str] = mapped_column(String(16))
    member_interface: Mapped[str] = mapped_column(String(128), default="")
    rang_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ring_ms: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[AttemptResult | None] = mapped_column(str_enum(AttemptResult, "attempt_result"))


class Handling(Base):
    __tablename__ = "handling"
    __table_args__ = (Index("ix_handling_agent_day", "agent_code", "local_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    leg_id: Mapped[int | None] = mapped_column(ForeignKey("queue_leg.id", ondelete="SET NULL"))
    agent_code: Mapped[str] = mapped_column(String(16))
    channel_uid: Mapped[str] = mapped_column(String(64))
    talk_start: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    talk_end: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    hold_ms: Mapped[int] = mapped_column(Integer, default=0)
    acw_start: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    acw_end: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    disposition_code: Mapped[str | None] = mapped_column(String(32))
    ended_by: Mapped[str | None] = mapped_column(String(16))  # caller, agent, transfer
    local_date: Mapped[dt.date] = mapped_column(Date)

    call: Mapped[Call] = relationship(back_populates="handlings")
    holds: Mapped[list[HoldInterval]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class HoldInterval(Base):
    __tablename__ = "hold_interval"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    handling_id: Mapped[int] = mapped_column(
        ForeignKey("handling.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Transfer(Base):
    __tablename__ = "transfer"
    __table_args__ = (Index("ix_transfer_at", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[TransferKind] = mapped_column(str_enum(TransferKind, "transfer_kind"))
    method: Mapped[str] = mapped_column(String(16), default="")  # Bridge, App, Link, Threeway
    from_handling_id: Mapped[int | None] = mapped_column(
        ForeignKey("handling.id", ondelete="SET NULL")
    )
    to_leg_id: Mapped[int | None] = mapped_column(ForeignKey("queue_leg.id", ondelete="SET NULL"))
    to_context: Mapped[str] = mapped_column(String(80), default="")
    to_exten: Mapped[str] = mapped_column(String(80), default="")
    target_channel_uid: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16), default="")


class AgentStateInterval(Base):
    __tablename__ = "agent_state_interval"
    __table_args__ = (
        UniqueConstraint("server_id", "agent_code", "queue_name", "state", "started_at"),
        Index("ix_asi_agent_start", "agent_code", "started_at"),
        Index("ix_asi_local_date", "local_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64))
    agent_code: Mapped[str] = mapped_column(String(16))
    queue_name: Mapped[str] = mapped_column(String(64), default="")  # "": all queues
    state: Mapped[AgentState] = mapped_column(str_enum(AgentState, "agent_state"))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # None: still in it
    source_event: Mapped[str] = mapped_column(String(32), default="")
    local_date: Mapped[dt.date] = mapped_column(Date)


class Recording(Base):
    __tablename__ = "recording"
    __table_args__ = (
        UniqueConstraint("server_id", "path"),
        Index("ix_recording_started", "started_at"),
        Index("ix_recording_agent", "agent_code", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("call.id", ondelete="SET NULL"), index=True
    )
    handling_id: Mapped[int | None] = mapped_column(ForeignKey("handling.id", ondelete="SET NULL"))
    channel_uid: Mapped[str] = mapped_column(String(64), index=True)
    agent_code: Mapped[str | None] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(512))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    delete_after: Mapped[dt.date | None] = mapped_column(Date)  # from the retention policy
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # the file is gone


class SurveyResponse(Base):
    """One post-call survey put to a caller: offered when the agent hung up, answered with a
    key 1..scale_max (``score``), or not (``score`` and ``answered_at`` None). The caller is
    still on the line, so the call is not in the history yet: the row names it by
    ``(server_id, linkedid)``; the history writer fills ``call_id``/``handling_id`` when it
    stores the call."""

    __tablename__ = "survey_response"
    __table_args__ = (
        Index("ix_survey_response_linkedid", "server_id", "linkedid"),
        Index("ix_survey_response_offered", "offered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("call.id", ondelete="SET NULL"), index=True
    )
    handling_id: Mapped[int | None] = mapped_column(ForeignKey("handling.id", ondelete="SET NULL"))
    server_id: Mapped[str | None] = mapped_column(String(64))
    linkedid: Mapped[str | None] = mapped_column(String(64))
    queue_name: Mapped[str | None] = mapped_column(String(64))
    agent_code: Mapped[str | None] = mapped_column(String(16), index=True)
    question: Mapped[str] = mapped_column(String(64), default="csat")
    score: Mapped[int | None] = mapped_column(SmallInteger)  # None: offered, not answered
    scale_max: Mapped[int] = mapped_column(SmallInteger)
    offered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class CallbackRequest(Base):
    __tablename__ = "callback_request"
    __table_args__ = (
        Index("ix_callback_active", "queue_name", "number", "state"),
        Index("ix_callback_requested", "requested_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64))
    queue_name: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(32))
    state: Mapped[CallbackState] = mapped_column(str_enum(CallbackState, "callback_state"))
    origin_call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", ondelete="SET NULL"))
    origin_linkedid: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int | None] = mapped_column(SmallInteger)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)
    placeholder_channel_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)


class CallbackAttempt(Base):
    __tablename__ = "callback_attempt"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("callback_request.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    agent_code: Mapped[str | None] = mapped_column(String(16))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", ondelete="SET NULL"))
    result: Mapped[CallbackResult | None] = mapped_column(
        str_enum(CallbackResult, "callback_result")
    )


class RawQueueLogLine(Base):
    """A queue_log line as Asterisk wrote it (``time|callid|queue|agent|event|data...``)."""

    __tablename__ = "raw_queue_log"
    __table_args__ = (Index("ix_raw_queue_log_time", "server_id", "time"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64))
    time: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    callid: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(64))
    agent: Mapped[str] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text, default="")


class RawAmiEvent(Base):
    """An AMI event kept verbatim (the writer decides which kinds are worth keeping)."""

    __tablename__ = "raw_ami_event"
    __table_args__ = (Index("ix_raw_ami_event_time", "server_id", "received_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    event: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str | None] = mapped_column(String(64), index=True)
    uniqueid: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
