"""The history writer's CPU per call: journal lines and database batches, as under load.

    .venv/bin/python -m bench.history_writer                    # SQLite, 400 calls, ~1 min
    .venv/bin/python -m bench.history_writer --db postgresql://postgres@127.0.0.1/bench_h
    .venv/bin/python -m bench.history_writer --repeat 3         # median of three runs

The records are the tracker's own: the recorded transcripts of tests/fixtures/ami, copied
and interleaved as in bench/ami_stream.py (``--concurrent`` calls at once), narrowed to what
the controller's live AMI filters let through, replayed through the decoder and the tracker
with the verbatim events the history keeps (``controller.ami.live.raw_event``). They are cut
into the batches the writer would write under the load test: the events of
``--flush-interval`` seconds at ``--events-per-second`` (the load test's 200 calls, 100 at
once, bring ~110 events a second), each batch written in one transaction by
``controller.history.store.write_batch`` into a fresh database, and each record appended to a
journal (``controller.history.journal``), as ``pbxctl serve`` does.

Timed in CPU seconds of the thread doing the work (not the wall clock: the machine is shared),
per part, and per call. The database server's own CPU (PostgreSQL, MariaDB) is not counted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.ami_stream import SCENARIOS, _copy, _events, _template
from controller.ami.decode import decode
from controller.ami.filters import allows
from controller.ami.live import raw_event, tracker_filters
from controller.ami.protocol import parse_message
from controller.ami.replay import messages
from controller.ami.tracker import AgentInterval, FinishedCall, RawEvent, Tracker
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.history.journal import HistoryJournal
from controller.history.store import SiteInfo, write_batch

Item = FinishedCall | AgentInterval | RawEvent
cpu = time.thread_time


def records(calls: int, concurrent: int, duration: float, flush: float) -> list[list[Item]]:
    """The writer's batches: every ``flush`` seconds, the verbatim events and the tracker's
    records of that time, in the order the live state hands them over. Call ``n`` starts at
    ``n * duration / concurrent`` and its events are spread over ``duration`` seconds, so
    ``concurrent`` calls are on at once and they end one after the other, as in the load
    test (not all of a group together)."""
    filters = tracker_filters()
    templates = []
    for name in SCENARIOS:
        blocks = [b for b in _events(name) if allows(filters, parse_message(b).fields)]
        templates.append(_template(blocks))
    timed: list[tuple[float, int, str]] = []
    for copy in range(calls):
        template, ids = templates[copy % len(templates)]
        blocks = _copy(template, len(ids), copy)
        begin = copy * duration / concurrent
        timed += [(begin + n * duration / len(blocks), copy, b) for n, b in enumerate(blocks)]
    timed.sort()
    banner = "Asterisk Call Manager/9.0.0\r\n"
    stream = (banner + "".join(block + "\r\n\r\n" for _, _, block in timed)).encode()
    tracker = Tracker("bench", queue_wrapup={"sales": 15, "support": 10})
    start = 1_800_000_000.0
    batches: list[list[Item]] = []
    batch: list[Item] = []
    cut = flush
    for (at, _, _), message in zip(timed, messages(stream), strict=True):
        while at >= cut:
            batches.append(batch)
            batch, cut = [], cut + flush
        raw = raw_event("bench", message, start + at)
        if raw is not None:
            batch.append(raw)
        event = decode(message, start + at)
        if event is not None:
            tracker.apply(event)
        outbox = tracker.drain()
        batch += [*outbox.intervals, *outbox.finished]
    tracker.tick(start + cut + 3600)
    outbox = tracker.drain()
    batches.append([*batch, *outbox.intervals, *outbox.finished])
    return [b for b in batches if b]


@dataclass
class Run:
    journal: float
    database: float
    calls: int
    items: int
    batches: int


def fresh_database(url: str | None, directory: Path) -> str:
    if url is None:
        return f"sqlite:///{directory / 'history.sqlite3'}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"bench_history_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return str(make_engine(url).url.set(database=name).render_as_string(hide_password=False))


def one_run(batches: list[list[Item]], url: str | None) -> Run:
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        directory = Path(tmp)
        engine = make_engine(fresh_database(url, directory))
        upgrade(engine)
        factory = session_factory(engine)
        site = SiteInfo.load(factory)
        journal = HistoryJournal(directory / "journal")
        journal.open()
        journal_cpu = database_cpu = 0.0
        for batch in batches:
            # The event loop's side: the records appended to the journal (one write).
            started = cpu()
            seqs = journal.append(batch)
            # The writer thread's: the journal synced, one transaction, the journal told.
            middle = cpu()
            journal.checkpoint()
            write_batch(factory, batch, site)
            journal.committed(seqs)
            ended = cpu()
            journal_cpu += middle - started
            database_cpu += ended - middle
        journal.close()
        engine.dispose()
    calls = sum(isinstance(item, FinishedCall) for batch in batches for item in batch)
    items = sum(len(batch) for batch in batches)
    return Run(journal_cpu, database_cpu, calls, items, len(batches))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=400, help="calls in the stream")
    parser.add_argument("--concurrent", type=int, default=100, help="calls at once")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds a call lasts")
    parser.add_argument("--flush-interval", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="a PostgreSQL or MariaDB server URL (default: SQLite)")
    args = parser.parse_args()
    print(f"uptime: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")
    batches = records(args.calls, args.concurrent, args.duration, args.flush_interval)
    kinds: dict[str, int] = {}
    for batch in batches:
        for item in batch:
            kinds[type(item).__name__] = kinds.get(type(item).__name__, 0) + 1
    print(f"{len(batches)} batches, every {args.flush_interval} s of the stream: {kinds}")
    runs = [one_run(batches, args.db) for _ in range(args.repeat)]
    for n, run in enumerate(runs, 1):
        total = run.journal + run.database
        print(
            f"run {n}: journal {run.journal:.3f} s, database {run.database:.3f} s, "
            f"together {total:.3f} s of CPU = {1000 * total / run.calls:.2f} ms per call "
            f"({run.calls} calls, {run.items} records)"
        )
    journal = statistics.median(r.journal for r in runs)
    database = statistics.median(r.database for r in runs)
    calls = runs[0].calls
    print(
        f"median: journal {1000 * journal / calls:.2f} ms per call, database "
        f"{1000 * database / calls:.2f} ms per call, together "
        f"{1000 * (journal + database) / calls:.2f} ms per call"
    )
    print(f"uptime: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (1, 5 min)")


if __name__ == "__main__":
    main()
