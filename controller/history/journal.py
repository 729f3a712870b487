"""The history's write-ahead journal: every record is on disk before the controller goes on.

The tracker's records (finished calls, agent-state intervals, verbatim events) are appended
here, in the event loop, with one ``write`` per batch, *before* the history writer queues them
for the database. A record leaves the journal only when its database transaction committed.
After a crash (``kill -9``, an OOM kill, an upgrade restart) the next start reads what is
left and writes it again: database writes are idempotent, so a record written twice is stored
once. A power cut can lose what the kernel had not written yet: the writer calls
:meth:`HistoryJournal.checkpoint` (``fdatasync``) every flush interval and before each
database write, so that is at most one flush interval, which the recovery from Asterisk's own
records then fills in.

Layout of ``<data_dir>/journal/``: segments ``v1-<first seq>.jsonl``, one JSON line per
record (``[seq, {"kind", "record"}]``, see :mod:`controller.history.codec`) and, after each
database commit, one line listing the records it committed (``[0, [seq, ...]]``), so a
restart writes again only what is not in the database; a segment is deleted once every record
in it committed. ``watermark`` holds the time up to which the
history is complete (every call that ended before it is in a segment or the database): the
recovery starts there after a restart.

Records the writer had to drop from memory (its buffer is bounded while the database is away)
stay in their segments; :meth:`reload_spilled` gives them back once the writer has room.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from controller.filemodes import make_private_dirs
from controller.history.codec import Item, JournalFormatError, dumps, loads

logger = logging.getLogger(__name__)

PREFIX = "v1-"
SUFFIX = ".jsonl"
WATERMARK = "watermark"


@dataclass
class _Segment:
    path: Path
    first: int
    last: int = 0
    pending: set[int] = field(default_factory=set)
    closed: bool = False


class HistoryJournal:
    def __init__(self, directory: Path, *, segment_records: int = 5000) -> None:
        self.directory = directory
        self.segment_records = segment_records
        self._segments: list[_Segment] = []
        self._current: _Segment | None = None
        self._fd: int | None = None
        self._next_seq = 1
        self._spilled: set[int] = set()
        self._dirty = False  # appended since the last fsync
        self._noted: float | None = None  # watermark to write at the next checkpoint
        self._written: float | None = None
        # The writer thread syncs while the event loop appends: the descriptor's life is
        # guarded, never the (slow) sync itself.
        self._fd_lock = threading.Lock()

    # -- start ----------------------------------------------------------------------------

    def open(self) -> list[tuple[int, Item]]:
        """Create the directory (0700) and return the records a previous run left, in order."""
        make_private_dirs(self.directory)  # a new data directory 0700 too, not 0755
        self.directory.chmod(0o700)
        found: list[tuple[_Segment, list[tuple[int, Item]]]] = []
        done: set[int] = set()
        for path in sorted(self.directory.glob(f"{PREFIX}*{SUFFIX}"), key=_first_seq):
            records, committed = _read(path)
            done |= committed
            if not records:
                path.unlink()
                continue
            found.append((_Segment(path, records[0][0], records[-1][0], closed=True), records))
            self._next_seq = max(self._next_seq, records[-1][0] + 1)
        left: list[tuple[int, Item]] = []
        for segment, records in found:
            segment.pending = {seq for seq, _ in records if seq not in done}
            if segment.pending:
                self._segments.append(segment)
                left += [(seq, item) for seq, item in records if seq in segment.pending]
            else:
                segment.path.unlink()
        if left:
            logger.info("journal=replaying records=%d segments=%d", len(left), len(self._segments))
        return left

    def read_watermark(self) -> float | None:
        try:
            return float((self.directory / WATERMARK).read_text(encoding="ascii"))
        except (OSError, ValueError):
            return None

    # -- the event loop's side --------------------------------------------------------------

    def append(self, items: Sequence[Item]) -> list[int]:
        """Write ``items`` (one write call) and return their sequence numbers."""
        if not items:
            return []
        segment = self._writable()
        seqs = list(range(self._next_seq, self._next_seq + len(items)))
        self._write(b"".join(dumps(seq, item) for seq, item in zip(seqs, items, strict=True)))
        self._next_seq += len(items)
        segment.last = seqs[-1]
        segment.pending.update(seqs)
        self._dirty = True
        if segment.last - segment.first + 1 >= self.segment_records:
            self._close_current()
        return seqs

    def committed(self, seqs: Iterable[int]) -> None:
        """These records are in the database: forget them; delete segments left empty."""
        done = set(seqs)
        done.discard(0)
        if not done:
            return
        if self._current is not None and self._current.pending - done:
            self._write(json.dumps([0, sorted(done)], separators=(",", ":")).encode() + b"\n")
        for segment in self._segments:
            if segment.pending and done:
                segment.pending -= done
        self._spilled -= done
        if self._current is not None and not self._current.pending:
            self._close_current()  # everything written: start afresh, keep files small
        for segment in [s for s in self._segments if s.closed and not s.pending]:
            with contextlib.suppress(FileNotFoundError):
                segment.path.unlink()
            self._segments.remove(segment)

    def spilled(self, seqs: Iterable[int]) -> None:
        """The writer dropped these from memory: they stay here until :meth:`reload_spilled`."""
        self._spilled.update(seqs)

    @property
    def spilled_count(self) -> int:
        return len(self._spilled)

    def reload_spilled(self, limit: int) -> list[tuple[int, Item]]:
        """Up to ``limit`` dropped records, oldest first, read back from their segments."""
        wanted = set(sorted(self._spilled)[:limit])
        found: list[tuple[int, Item]] = []
        for segment in self._segments:
            if wanted and segment.pending & wanted:
                records, _ = _read(segment.path)
                found += [(seq, item) for seq, item in records if seq in wanted]
        self._spilled -= {seq for seq, _ in found}
        self._spilled -= wanted - {seq for seq, _ in found}  # gone from disk: cannot come back
        return found

    def note_watermark(self, at: float) -> None:
        """The history is complete up to ``at`` once what was appended so far is on disk."""
        self._noted = at

    # -- the writer thread's side -----------------------------------------------------------

    @property
    def checkpoint_due(self) -> bool:
        """Whether :meth:`checkpoint` has anything to do (appended records or a new watermark)."""
        return self._dirty or (self._noted is not None and self._noted != self._written)

    def checkpoint(self) -> None:
        """fdatasync what was appended, then store the watermark noted before it."""
        noted = self._noted
        with self._fd_lock:
            fd = os.dup(self._fd) if self._dirty and self._fd is not None else None
            self._dirty = False
        if fd is not None:
            try:
                os.fdatasync(fd)
            finally:
                os.close(fd)
        if noted is not None and noted != self._written:
            path = self.directory / WATERMARK
            tmp = path.with_name(WATERMARK + ".tmp")
            tmp.write_text(f"{noted:.6f}", encoding="ascii")
            tmp.replace(path)
            self._written = noted

    def close(self) -> None:
        self._close_current()

    # -- internals ----------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        assert self._fd is not None
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def _writable(self) -> _Segment:
        if self._current is None:
            path = self.directory / f"{PREFIX}{self._next_seq:012d}{SUFFIX}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(path, flags, 0o600)
            with self._fd_lock:
                self._fd = fd
            self._current = _Segment(path, self._next_seq)
            self._segments.append(self._current)
        return self._current

    def _close_current(self) -> None:
        with self._fd_lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            if self._dirty:
                with contextlib.suppress(OSError):
                    os.fdatasync(fd)
            os.close(fd)
        if self._current is not None:
            self._current.closed = True
            self._current = None


def _first_seq(path: Path) -> int:
    try:
        return int(path.name[len(PREFIX) : -len(SUFFIX)])
    except ValueError:
        return 0


def _read(path: Path) -> tuple[list[tuple[int, Item]], set[int]]:
    """The records of a segment and the sequence numbers its commit lines name."""
    records: list[tuple[int, Item]] = []
    committed: set[int] = set()
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.endswith(b"\n"):
                logger.warning("journal=torn_line file=%s line=%d", path.name, number)
                break  # the last write of a run that was killed: never acknowledged
            if line.startswith(b"[0,"):
                with contextlib.suppress(ValueError, TypeError):
                    committed.update(int(seq) for seq in json.loads(line)[1])
                continue
            try:
                records.append(loads(line))
            except JournalFormatError as err:
                logger.error("journal=bad_line file=%s line=%d error=%s", path.name, number, err)
    return records, committed
