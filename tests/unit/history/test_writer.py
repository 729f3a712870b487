"""The history writer: batching off the loop, buffering through outages, no loss, no dupes."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from controller.ami.tracker import AgentInterval
from controller.history.writer import HistoryWriter, Item

pytestmark = pytest.mark.asyncio


def interval(n: int) -> AgentInterval:
    return AgentInterval("s", f"{8000 + n}", "", "ready", None, float(n), None, "test")


class Database:
    """Stores items; can be 'down' (OperationalError) and can refuse one item."""

    def __init__(self) -> None:
        self.rows: list[Item] = []
        self.down = False
        self.bad: Item | None = None
        self.threads: set[int] = set()
        self.calls = 0

    def write(self, batch: Sequence[Item]) -> None:
        self.calls += 1
        self.threads.add(threading.get_ident())
        if self.down:
            raise OperationalError("INSERT", {}, Exception("connection refused"))
        if self.bad is not None and self.bad in batch:
            raise IntegrityError("INSERT", {}, Exception("value too long"))
        self.rows.extend(batch)


async def until(condition, within: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polling plain attributes
            await asyncio.sleep(0.01)


async def test_batches_are_written_in_a_worker_thread() -> None:
    db = Database()
    writer = HistoryWriter(db.write, batch_size=10, flush_interval=0.01)
    task = asyncio.create_task(writer.run())
    writer.submit(interval(n) for n in range(25))
    assert db.rows == []  # submit never writes on the event loop
    await until(lambda: len(db.rows) == 25)
    assert threading.get_ident() not in db.threads
    assert db.rows == [interval(n) for n in range(25)]
    writer.stop()
    await task


async def test_an_outage_buffers_and_then_writes_everything_once() -> None:
    db = Database()
    db.down = True
    writer = HistoryWriter(db.write, batch_size=4, flush_interval=0.01, min_backoff=0.01,
                           max_backoff=0.02)  # fmt: skip
    task = asyncio.create_task(writer.run())
    writer.submit(interval(n) for n in range(10))
    await until(lambda: writer.stats.failures >= 3)
    assert writer.pending == 10
    assert writer.stats.last_error is not None
    assert "connection refused" in writer.stats.last_error
    writer.submit(interval(n) for n in range(10, 12))
    db.down = False
    await until(lambda: writer.pending == 0)
    assert db.rows == [interval(n) for n in range(12)]
    assert writer.stats.dropped == 0
    writer.stop()
    await task


async def test_the_buffer_is_bounded_and_counts_what_it_dropped() -> None:
    db = Database()
    writer = HistoryWriter(db.write, max_buffer=5)
    writer.submit(interval(n) for n in range(8))
    assert writer.pending == 5
    assert writer.stats.dropped == 3
    assert await writer.drain() == 0
    assert db.rows == [interval(n) for n in range(3, 8)]


async def test_a_record_the_database_refuses_does_not_block_the_others() -> None:
    db = Database()
    db.bad = interval(2)
    writer = HistoryWriter(db.write, batch_size=10)
    writer.submit(interval(n) for n in range(5))
    assert await writer.drain() == 0
    assert db.rows == [interval(n) for n in (0, 1, 3, 4)]
    assert writer.stats.rejected == 1


async def test_drain_at_shutdown_reports_what_could_not_be_written() -> None:
    db = Database()
    db.down = True
    writer = HistoryWriter(db.write, min_backoff=0.01)
    writer.submit([interval(1)])
    assert await writer.drain(timeout=0.1) == 1
