"""What the tracker hands to the history writer: immutable records, times in epoch seconds.

Frozen to the type checker, built without ``frozen`` at run time (:func:`immutable`: a frozen
dataclass sets every field through ``object.__setattr__``; a call makes a dozen records, the
history's raw events and agent intervals several per call).

A :class:`FinishedCall` is complete when emitted (every leg, handling, transfer and recording
of one Linkedid); an :class:`AgentInterval` is emitted when a state starts (``ended_at``
None) and again when it ends, and the writer upserts it on its unique key.
"""

from __future__ import annotations

from controller.ami.events import immutable


@immutable
class ChannelRecord:
    uniqueid: str
    channel: str
    role: str  # caller, agent, local, other
    caller_number: str
    caller_name: str
    connected_number: str
    context: str
    exten: str
    agent_code: str | None
    created_at: float
    answered_at: float | None
    ended_at: float | None
    hangup_cause: int | None


@immutable
class AttemptRecord:
    agent_code: str
    member_interface: str
    rang_at: float
    ended_at: float | None
    ring_ms: int | None
    result: str | None


@immutable
class LegRecord:
    queue: str
    entry_channel_uid: str
    entered_at: float
    connected_at: float | None
    ended_at: float | None
    wait_ms: int | None
    outcome: str | None
    exit_key: str | None
    orig_position: int | None
    exit_position: int | None
    priority: int
    answered_by_agent: str | None
    member_channel_uid: str | None
    ring_ms: int | None
    completed_by: str | None
    attempts: tuple[AttemptRecord, ...]


@immutable
class HandlingRecord:
    agent_code: str
    channel_uid: str
    talk_start: float
    talk_end: float | None
    hold_ms: int
    holds: tuple[tuple[float, float | None], ...]
    ended_by: str | None
    leg_index: int | None  # index into FinishedCall.legs

    @property
    def talk_ms(self) -> int | None:
        """Talk time without hold (Asterisk's own TalkTime includes hold)."""
        if self.talk_end is None:
            return None
        return max(0, round((self.talk_end - self.talk_start) * 1000) - self.hold_ms)


@immutable
class TransferOut:
    at: float
    kind: str
    method: str
    from_handling: int | None  # index into FinishedCall.handlings
    to_context: str
    to_exten: str
    target_channel_uid: str | None
    result: str


@immutable
class RecordingRecord:
    channel_uid: str
    path: str  # relative to Asterisk's monitor directory, named from the UNIQUEID
    started_at: float
    ended_at: float | None
    agent_code: str | None
    handling: int | None


@immutable
class FinishedCall:
    server_id: str
    linkedid: str
    direction: str
    caller_number: str
    caller_name: str
    called_number: str
    did: str | None
    region: str | None
    ivr_path: str
    customer_code: str | None
    vip: bool
    started_at: float
    answered_at: float | None
    ended_at: float
    outcome: str
    channels: tuple[ChannelRecord, ...]
    legs: tuple[LegRecord, ...]
    handlings: tuple[HandlingRecord, ...]
    transfers: tuple[TransferOut, ...]
    recordings: tuple[RecordingRecord, ...]
    # live: seen whole over AMI; recovered: partly replayed from Asterisk's own records
    # (CEL, queue_log); partial: the tracker missed part of it (history.CallSource).
    source: str = "live"
    route: str | None = None  # the inbound route that took the call (PBX_ROUTE)

    @property
    def agents(self) -> list[str]:
        return list(dict.fromkeys(h.agent_code for h in self.handlings))


@immutable
class AgentInterval:
    server_id: str
    agent_code: str
    queue_name: str  # "": all queues
    state: str  # history.AgentState values: ready, ringing, on_call, acw, paused
    reason: str | None
    started_at: float
    ended_at: float | None
    source_event: str


@immutable
class RawEvent:
    """An AMI event kept verbatim for the history (``raw_ami_event``), so derived rows can be
    rebuilt when a definition or the tracker changes."""

    server_id: str
    at: float
    event: str
    linkedid: str | None
    uniqueid: str | None
    fields: tuple[tuple[str, str], ...]
