"""What happened to each simulated call, decided from AMI events alone (no I/O here).

Each caller is originated with a fixed ChannelId, which becomes the Uniqueid of the channel
that runs through the inbound flow; every event about that Uniqueid moves its record on:

    sent -> (OriginateResponse failure)                  failed
         -> QueueCallerJoin -> AgentConnect              answered (setup time = connect - sent)
                            -> QueueCallerAbandon        abandoned
         -> Hangup without reaching an agent             unanswered (voicemail, IVR hang-up ...)
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

# The only events CallBook.on_event reads (always about the caller's Uniqueid).
EVENTS = ("QueueCallerJoin", "AgentConnect", "QueueCallerAbandon", "OriginateResponse", "Hangup")


class Outcome(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    UNANSWERED = "unanswered"
    FAILED = "failed"


@dataclass
class CallRecord:
    id: str
    sent_at: float
    joined_at: float | None = None
    connected_at: float | None = None
    ended_at: float | None = None
    queue: str | None = None
    agent: str | None = None
    outcome: Outcome = Outcome.PENDING
    reason: str = ""

    @property
    def setup_seconds(self) -> float | None:
        """From the originate to an agent on the line."""
        return None if self.connected_at is None else self.connected_at - self.sent_at

    @property
    def routing_seconds(self) -> float | None:
        """From the originate to the queue (IVR, time condition and FastAGI routing)."""
        return None if self.joined_at is None else self.joined_at - self.sent_at


@dataclass
class CallBook:
    """Every simulated call, updated from the AMI event stream."""

    calls: dict[str, CallRecord] = field(default_factory=dict)

    def sent(self, call_id: str, at: float) -> None:
        self.calls[call_id] = CallRecord(call_id, at)

    def failed(self, call_id: str, at: float, reason: str) -> None:
        record = self.calls.get(call_id)
        if record is not None and record.outcome is Outcome.PENDING:
            record.outcome, record.ended_at, record.reason = Outcome.FAILED, at, reason

    def on_event(self, event: Mapping[str, str], at: float) -> None:
        record = self.calls.get(event.get("Uniqueid", ""))
        if record is None:
            return
        kind = event.get("Event")
        if kind == "QueueCallerJoin" and record.joined_at is None:
            record.joined_at, record.queue = at, event.get("Queue")
        elif kind == "AgentConnect" and record.connected_at is None:
            record.connected_at, record.agent = at, event.get("MemberName")
            record.outcome = Outcome.ANSWERED
        elif kind == "QueueCallerAbandon" and record.outcome is Outcome.PENDING:
            record.outcome = Outcome.ABANDONED
        elif kind == "OriginateResponse" and event.get("Response") == "Failure":
            self.failed(record.id, at, f"originate failed: {event.get('Reason', '?')}")
        elif kind == "Hangup":
            record.ended_at = at
            if record.outcome is Outcome.PENDING:
                record.outcome = Outcome.UNANSWERED
                record.reason = event.get("Cause-txt", "")

    def finished(self) -> int:
        return sum(1 for r in self.calls.values() if r.ended_at is not None)

    def pending(self) -> list[CallRecord]:
        return [r for r in self.calls.values() if r.ended_at is None]


def percentile(values: Iterable[float], share: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


@dataclass(frozen=True, slots=True)
class Summary:
    attempted: int
    answered: int
    abandoned: int
    unanswered: int
    failed: int
    setup_p50: float | None
    setup_p95: float | None
    routing_p50: float | None
    routing_p95: float | None

    @classmethod
    def of(cls, book: CallBook) -> Summary:
        records = list(book.calls.values())
        count = {o: sum(1 for r in records if r.outcome is o) for o in Outcome}
        setup = [r.setup_seconds for r in records if r.setup_seconds is not None]
        routing = [r.routing_seconds for r in records if r.routing_seconds is not None]
        return cls(
            attempted=len(records),
            answered=count[Outcome.ANSWERED],
            abandoned=count[Outcome.ABANDONED],
            unanswered=count[Outcome.UNANSWERED],
            # A call still pending when the test stopped never completed: a failure.
            failed=count[Outcome.FAILED] + count[Outcome.PENDING],
            setup_p50=percentile(setup, 0.50),
            setup_p95=percentile(setup, 0.95),
            routing_p50=percentile(routing, 0.50),
            routing_p95=percentile(routing, 0.95),
        )
