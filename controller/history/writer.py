"""Batch history records to the database off the event loop, surviving database outages and
crashes.

:meth:`HistoryWriter.submit` appends the records to the write-ahead journal
(:mod:`controller.history.journal`, one write) and to an in-memory buffer: the AMI event path
never waits on the database (a blocked loop gets the AMI session dropped). :meth:`run` writes
the buffer in batches in a worker thread. While the database is unreachable the records stay
buffered and the write is retried with backoff; a record leaves the buffer and the journal only
after its batch committed, and writes are idempotent (see :mod:`controller.history.store`), so
nothing is lost or written twice, even across a crash: the next start writes what the journal
holds. The buffer is bounded: past ``max_buffer`` the oldest records leave memory but stay in
the journal (``stats.spilled``) and are read back once there is room. Without a journal they
are dropped and counted (``stats.dropped``, logged).

While records keep coming the database is written once per ``write_interval`` (2 s), in one
transaction, and the journal synced every ``flush_interval`` (0.5 s) meanwhile: the database's
cost is mostly per transaction and statement, not per row (bench/history_writer.py).

A record the database refuses for its content (an integrity or data error) would block the
queue forever: the batch is retried one record at a time and the refused one is counted in
``stats.rejected`` and logged with its key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import DataError, IntegrityError

from controller.ami.tracker import AgentInterval, FinishedCall, Outbox, RawEvent
from controller.history.journal import HistoryJournal

logger = logging.getLogger(__name__)

Item = FinishedCall | AgentInterval | RawEvent
WriteBatch = Callable[[Sequence[Item]], None]

# Errors that say "this record is bad", not "the database is away".
CONTENT_ERRORS = (IntegrityError, DataError, ValueError, TypeError)


@dataclass
class WriterStats:
    written: int = 0
    batches: int = 0
    failures: int = 0  # failed batch attempts (database unreachable ...)
    dropped: int = 0  # lost to the buffer bound (no journal)
    spilled: int = 0  # left memory for the journal only (read back later)
    rejected: int = 0  # refused by the database for their content
    last_error: str | None = None
    buffered: int = 0


def describe(item: Item) -> str:
    if isinstance(item, FinishedCall):
        return f"call linkedid={item.linkedid}"
    if isinstance(item, RawEvent):
        return f"raw_ami_event event={item.event} uniqueid={item.uniqueid} at={item.at}"
    return f"agent_interval agent={item.agent_code} state={item.state} start={item.started_at}"


class HistoryWriter:
    def __init__(
        self,
        write: WriteBatch,
        *,
        journal: HistoryJournal | None = None,
        max_buffer: int = 200_000,
        batch_size: int = 500,
        flush_interval: float = 0.5,
        write_interval: float | None = None,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self._write = write
        self.journal = journal
        self.max_buffer = max_buffer
        self.batch_size = batch_size
        # The journal is synced every flush_interval; the database written at most every
        # write_interval (default 4x) while records keep coming: its cost is mostly per
        # transaction, so under load fewer, larger batches (tests/unit/history).
        self.flush_interval = flush_interval
        self.write_interval = 4 * flush_interval if write_interval is None else write_interval
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self._buffer: deque[tuple[int, Item]] = deque()  # (journal seq or 0, record)
        self._wake = asyncio.Event()
        self._stopping = False
        self.stats = WriterStats()

    # -- input (called on the event loop; never blocks) -----------------------------------

    def submit(self, items: Iterable[Item]) -> None:
        batch = list(items)
        if not batch:
            return
        seqs = self.journal.append(batch) if self.journal is not None else [0] * len(batch)
        self.resubmit(zip(seqs, batch, strict=True))

    def resubmit(self, records: Iterable[tuple[int, Item]]) -> None:
        """Queue records the journal already holds (left by a previous run, or spilled)."""
        self._buffer.extend(records)
        overflow = len(self._buffer) - self.max_buffer
        if overflow > 0:
            gone = [self._buffer.popleft()[0] for _ in range(overflow)]
            if self.journal is not None:
                self.journal.spilled(gone)
                self.stats.spilled += overflow
                logger.warning(
                    "history=buffer_full spilled_to_journal=%d max_buffer=%d",
                    overflow,
                    self.max_buffer,
                )
            else:
                self.stats.dropped += overflow
                logger.error(
                    "history=buffer_full dropped=%d total_dropped=%d max_buffer=%d",
                    overflow,
                    self.stats.dropped,
                    self.max_buffer,
                )
        self.stats.buffered = len(self._buffer)
        if len(self._buffer) >= self.batch_size:
            self._wake.set()

    def submit_flush(self, raw: list[RawEvent], outbox: Outbox) -> None:
        """LiveState's history sink: a batch's verbatim events, then its agent intervals and
        finished calls, in one journal write (one line each, in this order, as before when
        the events and the records were two writes)."""
        if raw or outbox.finished or outbox.intervals:
            self.submit([*raw, *outbox.intervals, *outbox.finished])

    @property
    def pending(self) -> int:
        return len(self._buffer)

    # -- the writing loop -----------------------------------------------------------------

    async def run(self) -> None:
        """Write until :meth:`stop`; then write what is left (see :meth:`drain`)."""
        delay = self.min_backoff
        while not self._stopping:
            if not self._buffer:
                await self._idle()
                continue
            if await self._write_once():
                delay = self.min_backoff
                await self._gather()
            else:
                await self._wait(delay)
                delay = min(self.max_backoff, delay * 2)

    async def _idle(self) -> None:
        """Nothing to write: take back spilled records, keep the journal's watermark fresh."""
        if self.journal is not None:
            if self.journal.spilled_count:
                records = await asyncio.to_thread(self.journal.reload_spilled, self.batch_size)
                if records:
                    self.resubmit(records)
                    return
            if self.journal.checkpoint_due:  # no thread hop twice a second for nothing
                await asyncio.to_thread(self.journal.checkpoint)
        await self._wait(self.flush_interval)

    async def _gather(self) -> None:
        """After a write: let records gather for ``write_interval`` (less once a batch is
        full), syncing the journal every ``flush_interval`` meanwhile, so a power cut still
        loses at most ``flush_interval`` of records."""
        loop = asyncio.get_running_loop()
        until = loop.time() + self.write_interval
        while not self._stopping and len(self._buffer) < self.batch_size:
            left = until - loop.time()
            if left <= 0:
                return
            await self._wait(min(self.flush_interval, left))
            if self.journal is not None and self.journal.checkpoint_due:
                await asyncio.to_thread(self.journal.checkpoint)

    def _durable_write(self, batch: list[Item]) -> None:
        """In the worker thread: the journal on disk first, then the database."""
        if self.journal is not None:
            self.journal.checkpoint()
        self._write(batch)

    async def _wait(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _write_once(self) -> bool:
        batch = [self._buffer[i][1] for i in range(min(self.batch_size, len(self._buffer)))]
        try:
            await asyncio.to_thread(self._durable_write, batch)
        except CONTENT_ERRORS:
            await self._write_one_by_one(batch)
            return True
        except Exception as exc:
            self.stats.failures += 1
            self.stats.last_error = str(exc).splitlines()[0] if str(exc) else repr(exc)
            logger.warning(
                "history=write_failed buffered=%d error=%r",
                len(self._buffer),
                self.stats.last_error,
            )
            return False
        self._done(len(batch))
        return True

    async def _write_one_by_one(self, batch: list[Item]) -> None:
        for item in batch:
            try:
                await asyncio.to_thread(self._write, [item])
            except CONTENT_ERRORS as exc:
                self.stats.rejected += 1
                logger.error("history=rejected %s error=%r", describe(item), str(exc)[:300])
            self._done(1)

    def _done(self, count: int) -> None:
        seqs = [self._buffer.popleft()[0] for _ in range(count)]
        if self.journal is not None:
            self.journal.committed(seqs)
        self.stats.written += count
        self.stats.batches += 1
        self.stats.buffered = len(self._buffer)
        self.stats.last_error = None

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def drain(self, timeout: float = 10.0) -> int:
        """Write what is buffered (at shutdown); return how many records could not be."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._buffer and asyncio.get_running_loop().time() < deadline:
            if not await self._write_once():
                await asyncio.sleep(min(1.0, self.min_backoff))
        left = len(self._buffer) + (self.journal.spilled_count if self.journal else 0)
        if self.journal is not None:
            await asyncio.to_thread(self.journal.checkpoint)
            self.journal.close()
        if left:
            kept = "kept in the journal for the next start" if self.journal else "lost"
            logger.error("history=unwritten_at_shutdown count=%d %s", left, kept)
        return left
