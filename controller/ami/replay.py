"""Replay a recorded AMI byte stream through the parser, the decoder and a tracker.

Used by the tracker tests (transcripts recorded from a real Asterisk, committed under
``tests/fixtures/ami/``) and by the benchmark. Events are timed from their ``Timestamp``
header when present, else from a clock that advances by ``step`` per message, so a replay is
deterministic. Responses to CoreShowChannels/Status/QueueStatus/QueueSummary inside the
stream are gathered (by ActionID) into a :class:`Snapshot` and applied as a resync once
QueueSummary completes, like the client does after a login.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from controller.ami import events as ev
from controller.ami.decode import decode, decode_status_variables
from controller.ami.protocol import Message, Parser
from controller.ami.tracker import Snapshot, Tracker

LIST_COMPLETE = "QueueSummaryComplete"


def messages(data: bytes, chunk: int = 65536) -> Iterator[Message]:
    parser = Parser()
    for start in range(0, len(data), chunk):
        yield from parser.feed(data[start : start + chunk])


@dataclass
class ReplayStats:
    messages: int = 0
    events: int = 0  # typed events applied
    resyncs: int = 0


class SnapshotBuilder:
    """Collects list responses (events carrying an ActionID) into a :class:`Snapshot`."""

    def __init__(self, at: float) -> None:
        self.snapshot = Snapshot(at)
        self._variables: dict[str, tuple[tuple[str, str], ...]] = {}

    def add(self, message: Message, at: float) -> None:
        name = message.fields.get("Event", "")
        if name == "Status":
            uid = message.fields.get("Uniqueid", "")
            self._variables[uid] = decode_status_variables(message)
            return
        event = decode(message, at)
        snap = self.snapshot
        if isinstance(event, ev.ListedChannel):
            snap.channels.append(event)
        elif isinstance(event, ev.QueueParams):
            snap.params.append(event)
        elif isinstance(event, ev.Member):
            snap.members.append(event)
        elif isinstance(event, ev.QueueEntry):
            snap.entries.append(event)
        elif isinstance(event, ev.QueueSummary):
            snap.summaries.append(event)

    def build(self, at: float) -> Snapshot:
        snap = self.snapshot
        snap.at = at
        snap.channels = [
            ev.ListedChannel(
                c.at,
                c.chan,
                c.bridge,
                c.application,
                c.duration_s,
                self._variables.get(c.chan.uniqueid, ()),
            )
            for c in snap.channels
        ]
        return snap


def replay(
    data: bytes, tracker: Tracker, *, start: float = 1_000_000.0, step: float = 0.001
) -> ReplayStats:
    stats = ReplayStats()
    clock = start
    pending: SnapshotBuilder | None = None
    for message in messages(data):
        stats.messages += 1
        clock += step
        fields = message.fields
        if "ActionID" in fields and "Event" in fields:
            pending = pending or SnapshotBuilder(clock)
            if fields["Event"] == LIST_COMPLETE:
                tracker.resync(pending.build(clock))
                stats.resyncs += 1
                pending = None
            else:
                pending.add(message, clock)
            continue
        event = decode(message, clock)
        if event is not None:
            tracker.apply(event)
            stats.events += 1
    return stats
