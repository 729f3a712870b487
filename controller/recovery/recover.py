"""Fill the gap in the history after the controller was away, from Asterisk's own records.

At every AMI (re)connect, before the live model is resynchronised, :class:`Recovery` reads the
CEL file and queue_log Asterisk kept meanwhile and replays through the tracker every call that
was active in the gap: calls that began and ended while the controller was down or
disconnected are finished into the history; calls still going on continue live with their
queue legs, waits and agents known. The gap is ``[since, until)``:

- ``since``: the time of the last event the tracker applied, in this process; after a
  restart, the journal's watermark (every call that ended before it is in the history);
- ``until``: the AMI login; what happens after it arrives over AMI.

The calls to replay ("families": channels grouped by Linkedid, following channels that moved
between Linkedids) are those with a CEL record in the gap, plus those Asterisk lists as live
now; each is read back to its first channel. A family the tracker already follows is replayed
only from ``since`` on; one the history already holds (written, or waiting in the journal) is
skipped. The records are read backwards from the end of the files (:mod:`.files`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from controller.ami import events as ev
from controller.ami.tracker import Snapshot, Tracker
from controller.recovery import cel, queue_log
from controller.recovery.files import scan_backwards
from controller.recovery.translate import translate

logger = logging.getLogger(__name__)

# Records within this many seconds before ``since`` are read too: a call that ended just
# before the watermark was taken may have its last records there.
SLACK = 5.0
# How far back a call's first record is searched for (a call longer than this is not whole).
LOOKBACK = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class RecordFiles:
    """Where Asterisk writes the records (``asterisk.log_dir``)."""

    cel: Path
    queue_log: Path

    @classmethod
    def in_log_dir(cls, log_dir: Path) -> RecordFiles:
        return cls(log_dir / cel.CEL_FILE, log_dir / queue_log.QUEUE_LOG_FILE)


@dataclass
class Family:
    """The records of one call, or of calls joined by a transfer."""

    linkedids: set[str] = field(default_factory=set)
    uniqueids: set[str] = field(default_factory=set)
    rows: list[cel.CelRecord] = field(default_factory=list)
    lines: list[queue_log.QueueLogLine] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.rows[0].at if self.rows else 0.0

    def whole(self) -> bool:
        """Its first channel (the one whose Uniqueid is the Linkedid) was read."""
        return any(r.event == "CHAN_START" and r.uniqueid in self.linkedids for r in self.rows)


@dataclass
class RecoveryReport:
    since: float | None
    until: float
    families: int = 0
    replayed: int = 0  # families replayed (whole or from `since`)
    skipped: int = 0  # already in the history
    cut: int = 0  # families whose start was not found (older than the lookback)
    events: int = 0
    finished: int = 0  # calls the replay finished into the history
    elapsed_ms: float = 0.0
    error: str | None = None


def read_families(
    files: RecordFiles,
    since: float | None,
    until: float,
    seeds: Iterable[str] = (),
    *,
    lookback: float = LOOKBACK,
) -> list[Family]:
    """The families with a CEL record in ``[since - SLACK, until)`` or a Linkedid in
    ``seeds``, each with all its CEL records before ``until`` and its queue_log lines."""
    linked: set[str] = set(seeds)
    uids: set[str] = set()
    rows: list[cel.CelRecord] = []
    window = (since - SLACK) if since is not None else until
    floor = (since if since is not None else until) - lookback
    missing: set[str] | None = None  # Linkedids whose first channel was not read yet
    for at, line in scan_backwards(files.cel, cel.line_time):
        if at >= until:
            continue
        if at < floor:
            break
        if at < window and missing is not None and not missing:
            break
        try:
            row = cel.parse_line(line)
        except cel.CelFormatError as err:
            logger.warning("recovery=bad_cel_line error=%s", err)
            continue
        if at < window and missing is None:
            missing = linked - _started(rows)
        if at >= window or row.linkedid in linked or row.uniqueid in uids:
            if missing is not None and row.linkedid not in linked:
                missing.add(row.linkedid)  # a call joined to one we read (a transfer)
            linked.add(row.linkedid)
            uids.add(row.uniqueid)
            rows.append(row)
            if missing is not None and row.event == "CHAN_START":
                missing.discard(row.uniqueid)
    rows.reverse()
    families = _group(rows)
    _attach_queue_log(files.queue_log, families, until)
    return families


def _started(rows: Sequence[cel.CelRecord]) -> set[str]:
    return {r.uniqueid for r in rows if r.event == "CHAN_START"}


def _group(rows: Sequence[cel.CelRecord]) -> list[Family]:
    """Rows -> families: connected by shared Linkedids and Uniqueids (union-find)."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for row in rows:
        a, b = find("L" + row.linkedid), find("U" + row.uniqueid)
        if a != b:
            parent[b] = a
    families: dict[str, Family] = {}
    for row in rows:
        family = families.setdefault(find("L" + row.linkedid), Family())
        family.linkedids.add(row.linkedid)
        family.uniqueids.add(row.uniqueid)
        family.rows.append(row)
    for family in families.values():
        # Asterisk writes CEL records from more than one thread: the file is in time order
        # only roughly (a hang-up can land after later events).
        family.rows.sort(key=lambda r: r.at)
    return sorted(families.values(), key=lambda f: f.start)


def _attach_queue_log(path: Path, families: Sequence[Family], until: float) -> None:
    if not families:
        return
    owner = {uid: family for family in families for uid in family.uniqueids}
    earliest = min(f.start for f in families) - 2
    for at, line in scan_backwards(path, queue_log.line_time):
        if at > until + 1:
            continue
        if at < earliest:
            break
        try:
            parsed = queue_log.parse_line(line)
        except queue_log.QueueLogFormatError:
            continue
        family = owner.get(parsed.callid)
        if family is not None:
            family.lines.append(parsed)
    for family in families:
        family.lines.reverse()


def family_events(family: Family, replay_from: float | None) -> list[ev.Event]:
    """The tracker events of a family; only those after ``replay_from`` when the tracker
    already followed it until then."""
    events = translate(family.rows, family.lines)
    if replay_from is None:
        return events
    return [e for e in events if _at(e) > replay_from]


def _at(event: ev.Event) -> float:
    return event.at


StoredCheck = Callable[[set[str]], set[str]]


class Recovery:
    """Replays the calls of the gap into the tracker; a LiveState hook (see ami.live)."""

    def __init__(
        self,
        files: RecordFiles,
        *,
        stored: StoredCheck,
        watermark: float | None = None,
        settle: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.files = files
        self.stored = stored
        self.watermark = watermark  # the journal's, for the first connect of this process
        self.settle = settle
        self.clock = clock
        self.last: RecoveryReport | None = None
        self.recovered_calls = 0

    def available(self) -> bool:
        return self.files.cel.is_file()

    async def run(
        self, tracker: Tracker, snapshot: Snapshot, until: float, since: float | None
    ) -> RecoveryReport:
        """Replay ``[since, until)`` into ``tracker`` (call it while live events are held
        back); ``since`` None: only the calls live now. Files and the database are read in a
        thread; the tracker is changed here, on the event loop, one family at a time."""
        started = time.perf_counter()
        report = RecoveryReport(since, until)
        try:
            await self._run(tracker, snapshot, report)
        except OSError as err:
            report.error = f"{type(err).__name__}: {err}"
            logger.error("recovery=failed since=%s until=%.3f error=%r", since, until, report.error)
        report.elapsed_ms = (time.perf_counter() - started) * 1000
        self.last = report
        self.recovered_calls += report.finished
        logger.info(
            "recovery=done since=%s until=%.3f families=%d replayed=%d skipped=%d cut=%d "
            "events=%d finished=%d in_ms=%.1f",
            f"{since:.3f}" if since is not None else "none", until, report.families,
            report.replayed, report.skipped, report.cut, report.events, report.finished,
            report.elapsed_ms,
        )  # fmt: skip
        return report

    async def _run(self, tracker: Tracker, snapshot: Snapshot, report: RecoveryReport) -> None:
        if not self.available():
            raise FileNotFoundError(f"no CEL file at {self.files.cel} (pbxctl dialplan setup)")
        live = {item.chan.linkedid for item in snapshot.channels if item.chan.linkedid}
        families = await asyncio.to_thread(
            read_families, self.files, report.since, report.until, live
        )
        report.families = len(families)
        tracker.preload_members(snapshot.members)
        unknown = [f for f in families if not any(tracker.knows_call(x) for x in f.linkedids)]
        candidates = {x for f in unknown for x in f.linkedids}
        stored = await asyncio.to_thread(self.stored, candidates) if candidates else set()
        for family in families:
            known = any(tracker.knows_call(x) for x in family.linkedids)
            if not known and family.linkedids <= stored:
                report.skipped += 1
                continue
            if not known and not family.whole():
                report.cut += 1  # replayed all the same: later facts are better than none
            events = family_events(family, report.since if known else None)
            if not events:
                continue
            applied, finished = tracker.replay(events)
            report.events += applied
            report.finished += finished
            report.replayed += 1
            await asyncio.sleep(0)  # a long outage: let the loop breathe between calls
