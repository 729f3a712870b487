"""The AMI client wired to the tracker: decode, resync after every login, tick, fan out.

- Events are decoded and applied as they arrive. After each login the client calls
  :meth:`LiveState.resync`: it waits for FullyBooted, fetches CoreShowChannels, Status (with
  the PBX_* variables), QueueStatus and QueueSummary, lets the history recovery (when there
  is one, :mod:`controller.recovery`) replay what happened since the controller last saw
  Asterisk, and replaces the live model with the lists. Events that arrive meanwhile are held
  back and applied after the snapshot.
- ``covered_until`` is the time up to which the model saw everything: it advances every tick
  while connected and resynchronised, and stops when the connection drops; the recovery
  starts there at the next login.
- What the tracker produced (finished calls, agent intervals, screen pops, changed keys) is
  handed to the sinks once per batch of events (one event-loop turn), never per event. The
  history's sink gets the batch's verbatim events with the tracker's records, so its journal
  takes them in one write.
- Sinks must be quick and must not block: they queue work (the history writer, the websocket
  hub). A sink that raises is logged and skipped; the next batch goes to it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from controller.ami.client import CLIENT_EVENTS, AmiClient
from controller.ami.decode import CALL_MARK, HAS_CALLER, TRACKED_EVENTS, UPDATE_STATES, decode
from controller.ami.events import Event
from controller.ami.filters import EventFilter
from controller.ami.protocol import Message
from controller.ami.replay import SnapshotBuilder
from controller.ami.session import AmiCredentials, AmiError, AmiLister
from controller.ami.tracker import Outbox, RawEvent, Snapshot, Tracker
from controller.ami.tracker.calls import VARSET_VARIABLES

logger = logging.getLogger(__name__)

STATUS_VARIABLES = (
    "PBX_AGENT,PBX_RECORDING,PBX_QUEUE,PBX_IVR_PATH,PBX_REGION,PBX_DIRECTION,PBX_DID,"
    "PBX_CUSTOMER_CODE,PBX_VIP"
)
BOOT_WAIT = 10.0
# What a resync lists: channels, their PBX_* variables, queue members and callers, queue totals.
SNAPSHOT_ACTIONS: tuple[tuple[str, dict[str, str]], ...] = (
    ("CoreShowChannels", {}),
    ("Status", {"Variables": STATUS_VARIABLES}),
    ("QueueStatus", {}),
    ("QueueSummary", {}),
)
# Kept verbatim in raw_ami_event: the queue, agent, transfer, hold and recording facts.
RAW_EVENTS = frozenset(
    {
        "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled",
        "AgentRingNoAnswer", "AgentConnect", "AgentComplete", "AgentDump", "QueueMemberAdded",
        "QueueMemberRemoved", "QueueMemberPause", "BlindTransfer", "AttendedTransfer", "Hold",
        "Unhold", "MixMonitorStart", "MixMonitorStop",
    }
)  # fmt: skip

Sink = Callable[[Outbox], None]
# The history writer: a batch's verbatim events and the outbox whose records it keeps.
HistorySink = Callable[[list[RawEvent], Outbox], None]

# Events decode() turns into tracker events (or raw_event keeps) only for some values of one
# header: Asterisk is asked for just those (see controller/ami/filters.py). Each filter lets
# through at least what the Python side uses; tests/unit/ami/test_filters.py checks it.
NARROWED: dict[str, EventFilter] = {
    # Only the variables the tracker uses (with or without the inheritance underscores), but
    # the call's attributes: the dialplan announces those in UserEvent(PbxCall) marks.
    "VarSet": EventFilter(
        "VarSet", "Variable", "regex", f"^_*({'|'.join(sorted(VARSET_VARIABLES))})$"
    ),
    # Newexten matters only when a channel reaches VoiceMail (the call's outcome).
    "Newexten": EventFilter("Newexten", "Application", "exact", "VoiceMail"),
    # Our dialplan's user events are all called Pbx*; the history keeps them verbatim.
    "UserEvent": EventFilter("UserEvent", "UserEvent", "starts_with", "Pbx"),
    # Caller ID and connected line changes of answered or ringing channels (decode.py: the
    # others repeat what the channel's next event says).
    "NewCallerid": EventFilter("NewCallerid", "ChannelState", "regex", UPDATE_STATES),
    "NewConnectedLine": EventFilter("NewConnectedLine", "ChannelState", "regex", UPDATE_STATES),
    # Dials from a channel (an Originate's have no Uniqueid of a caller).
    "DialBegin": EventFilter("DialBegin", "Uniqueid", "regex", HAS_CALLER),
    "DialEnd": EventFilter("DialEnd", "Uniqueid", "regex", HAS_CALLER),
}


def tracker_filters() -> tuple[EventFilter, ...]:
    """The event filters for the live session: every event the tracker decodes or the history
    keeps verbatim, narrowed as in :data:`NARROWED`, plus what the client waits for."""
    names = sorted(TRACKED_EVENTS | RAW_EVENTS | CLIENT_EVENTS)
    return tuple(NARROWED.get(name) or EventFilter(name) for name in names)


def _kept_user_event(name: str) -> bool:
    # Our dialplan's events, but the call's attribute marks: the call record keeps those.
    return name.startswith("Pbx") and name != CALL_MARK


def raw_event(server_id: str, message: Message, received_at: float) -> RawEvent | None:
    """The message as a :class:`RawEvent` when it is one of the kinds kept verbatim."""
    name = message.event  # read without splitting the message: most are not kept
    if name not in RAW_EVENTS and not (
        name == "UserEvent" and _kept_user_event(message.header("UserEvent") or "")
    ):
        return None
    fields = message.fields
    stamp = fields.get("Timestamp")
    return RawEvent(
        server_id,
        float(stamp) if stamp else received_at,
        name,
        fields.get("Linkedid") or fields.get("DestLinkedid"),
        fields.get("Uniqueid") or fields.get("TransfererUniqueid"),
        tuple(message.pairs),
    )


AfterResync = Callable[[AmiClient], Awaitable[None]]


class RecoveryReport(Protocol):
    error: str | None


class Recovery(Protocol):
    """What LiveState needs of the history recovery (controller.recovery.recover)."""

    settle: float  # seconds Asterisk may take to write its records after the fact
    watermark: float | None  # where a new process starts: the journal's watermark

    async def run(
        self, tracker: Tracker, snapshot: Snapshot, until: float, since: float | None
    ) -> RecoveryReport: ...


async def read_snapshot(ami: AmiLister, at: float) -> Snapshot:
    """Asterisk's live state now, from the list actions, for :meth:`Tracker.resync`."""
    builder = SnapshotBuilder(at)
    for name, fields in SNAPSHOT_ACTIONS:
        for message in await ami.list_action(name, **fields):
            builder.add(message, at)
    return builder.build(at)


class LiveState:
    def __init__(
        self,
        tracker: Tracker,
        *,
        clock: Callable[[], float] = time.time,
        after_resync: list[AfterResync] | None = None,
    ) -> None:
        self.tracker = tracker
        self.sinks: list[Sink] = []
        self.history_sink: HistorySink | None = None  # called first, also for raw events only
        self._raw: list[RawEvent] = []
        self.after_resync: list[AfterResync] = list(after_resync or [])
        self._clock = clock
        self._held: list[Event] | None = None  # events that arrived during a resync
        self._flush_scheduled = False
        self.resyncs = 0
        self.last_resync_ms: float | None = None
        self.synced = asyncio.Event()  # set once the model reflects Asterisk
        self.recovery: Recovery | None = None
        self.covered_until: float | None = None
        self.last_event_at: float | None = None  # of the newest event applied
        self._connected: Callable[[], bool] = lambda: False

    # -- input from the client ------------------------------------------------------------

    def on_message(self, message: Message, received_at: float) -> None:
        if self.history_sink is not None:
            self._keep_raw(message, received_at)
        event = decode(message, received_at)
        if event is None:
            return
        if self._held is not None:
            self._held.append(event)
            return
        self.tracker.apply(event)
        self.last_event_at = event.at
        self._schedule_flush()

    async def resync(self, client: AmiClient, *, after_login: bool = True) -> None:
        """The client's on_connected hook (``after_login``: what happened before this login
        arrived in no event: the recovery replays it), and the periodic resync."""
        self.synced.clear()
        self._connected = lambda: client.connected
        self._held = []
        logged_in = self._clock()  # what happened before arrives in no event: recover it
        started = time.perf_counter()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(client.booted.wait(), BOOT_WAIT)
            at = self._clock()
            snapshot = await read_snapshot(client, at)
            if after_login:
                await self._recover(snapshot, logged_in)
            self.tracker.resync(snapshot)
        finally:
            held, self._held = self._held or [], None
            for event in held:
                self.tracker.apply(event)
                self.last_event_at = event.at
            self._schedule_flush()
        self.last_resync_ms = (time.perf_counter() - started) * 1000
        self.resyncs += 1
        self.synced.set()
        counts = self.tracker.counts()
        logger.info(
            "ami=resynced in_ms=%.1f held_events=%d channels=%d calls=%d queues=%d agents=%d",
            self.last_resync_ms, len(held), counts["channels"], counts["calls"],
            counts["queues"], counts["agents"],
        )  # fmt: skip
        for hook in self.after_resync:
            try:
                await hook(client)
            except AmiError:
                raise
            except Exception:
                logger.exception("ami=after_resync_hook_failed hook=%r", hook)

    async def _recover(self, snapshot: Snapshot, logged_in: float) -> None:
        gap = self.covered_until is not None or self.tracker.events_applied > 0
        if self.recovery is None:
            if gap:
                self.tracker.mark_partial()
            return
        # Asterisk writes its records a moment after the fact: give the last ones time.
        await asyncio.sleep(max(0.0, logged_in + self.recovery.settle - self._clock()))
        # After a disconnect, what arrived until the connection dropped was seen; after a
        # restart, the journal's watermark says how far the history is complete.
        seen = [t for t in (self.covered_until, self.last_event_at) if t is not None]
        since = max(seen) if gap and seen else self.recovery.watermark
        report = await self.recovery.run(self.tracker, snapshot, logged_in, since)
        if report.error is not None and gap:
            self.tracker.mark_partial()
        self.flush()

    def note_coverage(self) -> None:
        """Connected and resynchronised: the model has seen everything up to now."""
        if self._connected() and self.synced.is_set() and self._held is None:
            self.covered_until = self._clock()

    def _keep_raw(self, message: Message, received_at: float) -> None:
        raw = raw_event(self.tracker.server_id, message, received_at)
        if raw is not None:
            self._raw.append(raw)
            self._schedule_flush()

    # -- output ---------------------------------------------------------------------------

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        raw = self._raw
        if raw:
            self._raw = []
        outbox = self.tracker.drain()
        if self.history_sink is not None and (raw or outbox.finished or outbox.intervals):
            try:
                self.history_sink(raw, outbox)
            except Exception:
                logger.exception("live=history_sink_failed")
        if not (outbox.finished or outbox.intervals or outbox.screen_pops or outbox.calls
                or outbox.queues or outbox.agents):  # fmt: skip
            return
        for sink in self.sinks:
            try:
                sink(outbox)
            except Exception:
                logger.exception("live=sink_failed sink=%r", sink)

    async def resync_every(self, client: AmiClient, interval: float = 900.0) -> None:
        """Resync now and then while connected too: repairs anything an event missed."""
        while True:
            await asyncio.sleep(interval)
            if client.connected and self._held is None:
                try:
                    await self.resync(client, after_login=False)
                except AmiError as exc:
                    logger.warning("ami=periodic_resync_failed error=%r", str(exc))

    async def tick_forever(self, interval: float = 1.0) -> None:
        """Let time pass for the tracker (wrap-ups end without an event)."""
        while True:
            await asyncio.sleep(interval)
            self.tracker.tick(self._clock())
            self.flush()
            self.note_coverage()


class AmiFeed:
    """A tracker kept equal to Asterisk over one filtered AMI client, with its clock and its
    periodic resync: what ``pbxctl serve`` runs, and a standalone ``pbxctl agi serve`` too
    (one AMI client and one live model for both)."""

    def __init__(
        self, credentials: AmiCredentials, server_id: str, *, connect_timeout: float = 5.0
    ) -> None:
        self.tracker = Tracker(server_id)
        self.live = LiveState(self.tracker)
        self.client = AmiClient(
            credentials,
            self.live.on_message,
            on_connected=self.live.resync,
            event_filters=tracker_filters(),
            connect_timeout=connect_timeout,
        )

    @property
    def fresh(self) -> bool:
        """Connected and resynced since: the model reflects Asterisk now."""
        return self.client.connected and self.live.synced.is_set()

    async def run(self) -> None:
        """Until :meth:`stop`; a refused login (:class:`AmiLoginRefused`) is raised."""
        helpers = [
            asyncio.create_task(self.live.tick_forever()),
            asyncio.create_task(self.live.resync_every(self.client)),
        ]
        try:
            await self.client.run()
        finally:
            for task in helpers:
                task.cancel()
            for task in helpers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def stop(self) -> None:
        self.client.stop()
