"""Time the month's reports on a history loaded by bench/reports_load.py (issue 13 §4).

    .venv/bin/python -m bench.reports_bench postgresql://postgres@127.0.0.1/bench_reports \\
        mariadb://root@127.0.0.1/bench_reports sqlite:///var/bench/reports/1m.sqlite3

For each database: build the month's hourly rollups (what ``pbxctl report-rollup`` does;
timed), then the median of ``--repeat`` warm runs of

- the month-by-hour queue report (target 200 ms on PostgreSQL),
- the month's agent report by day (target 300 ms),
- a drill-down page: the first 100 answered calls of one queue in one busy hour, and the
  first 100 abandoned calls of one queue in the month (target 50 ms),

each also computed from the calls themselves (the rollups hidden in a rolled-back
transaction): the baseline, and a check that both give the same rows. Prints each time
against its target, the speed-up over the baseline, and each database against the first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from bench.reports_data import TZ
from controller.db.engine import make_engine, session_factory
from controller.db.models import Base, Call, ReportRollupRange
from controller.reports import rollup
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report

TARGETS_MS = {"queues month by hour": 200, "agents month by day": 300,
              "drill-down: an hour's answered": 50, "drill-down: a month's abandoned": 50}  # fmt: skip
MARIADB_FACTOR = 3


def month_window(month: str) -> Window:
    first = dt.date.fromisoformat(month + "-01")
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Window(first, following - dt.timedelta(days=1), TZ)


def cases(window: Window) -> dict[str, tuple[str, ReportRequest]]:
    busy = f"{window.first + dt.timedelta(days=9)} 10:00"  # a weekday's 10:00 peak
    return {
        "queues month by hour": ("queues", ReportRequest(window, Interval.HOUR)),
        "agents month by day": ("agents", ReportRequest(window, Interval.DAY)),
        "drill-down: an hour's answered": ("detail", ReportRequest(
            window, Interval.HOUR, options={"figure": "answered", "row": "sales", "at": busy})),
        "drill-down: a month's abandoned": ("detail", ReportRequest(
            window, Interval.TOTAL, options={"figure": "abandoned", "row": "sales"})),
    }  # fmt: skip


CPU: list[float] = []  # CPU ms of the last timed(): this process's, the database's (or -1)


def server_clock(session: Session) -> Callable[[], float] | None:
    """The CPU milliseconds the database has spent for this session so far, read from
    /proc (a PostgreSQL server on this machine: its backend process's run time); None where
    it cannot be told (MariaDB runs sessions as threads, SQLite inside this process)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
    path = Path(f"/proc/{pid}/schedstat")
    if not path.exists():
        return None  # the server is on another machine
    return lambda: int(path.read_text().split()[0]) / 1e6


def timed(
    run: Callable[[], Any], repeat: int, server: Callable[[], float] | None
) -> tuple[float, Any]:
    """Median wall milliseconds of ``repeat`` runs after one warm-up (none for a single
    run); the last result. The median CPU milliseconds of this process and of the database
    session go to CPU: on a machine shared with others, their sum is what the wall time
    would be on an idle one (the data is in memory after the warm-up)."""
    result = run() if repeat > 1 else None
    times, cpu, db = [], [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        started_db = server() if server else 0.0
        result = run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        db.append(server() - started_db if server else -1.0)
    CPU[:] = [statistics.median(cpu), statistics.median(db)]
    return statistics.median(times), result


def rows_of(session: Session, name: str, request: ReportRequest) -> list[Any]:
    return run_report(session, name, request).rows


def analyze(engine: Any) -> None:
    """Statistics of the rollup tables, as autovacuum (or a nightly ANALYZE) would have them
    (fresh ones have none, and the planner then guesses a few hundred rows)."""
    backend = engine.url.get_backend_name()
    tables = [t.name for t in Base.metadata.sorted_tables if t.name.startswith("report_")]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(text(f"ANALYZE TABLE `{table}`" if backend in ("mysql", "mariadb")
                              else f"ANALYZE {table}"))  # fmt: skip


def measure(
    url: str, window: Window, repeat: int, baseline_repeat: int
) -> dict[str, tuple[float, float, bool]]:
    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as session:
        calls = session.scalar(select(func.count()).select_from(Call))
        known = rollup.covered(session)
        if known and known[0] <= window.since and known[1] >= window.until:
            print(f"  {calls:,} calls; the month's rollups were built before", flush=True)
        else:
            started = time.perf_counter()
            rollup.build(session, TZ, window.since, window.until)
            print(f"  {calls:,} calls; the month's rollups built in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
    analyze(engine)
    found = {}
    for what, (name, request) in cases(window).items():
        with factory() as session:
            server = server_clock(session)
            fast, rows = timed(partial(rows_of, session, name, request), repeat, server)
            fast_cpu, db_cpu = CPU
        slow, raw = float("nan"), rows
        if baseline_repeat > 0:
            with factory() as session:
                session.execute(delete(ReportRollupRange))  # hidden, rolled back below
                slow, raw = timed(partial(rows_of, session, name, request), baseline_repeat, None)
                session.rollback()
        found[what] = (fast, slow, rows == raw)
        busy = (f", database CPU {db_cpu:6.1f} ms, CPU together {fast_cpu + db_cpu:6.1f} ms "
                f"({(fast_cpu + db_cpu) / TARGETS_MS[what]:.2f}x the target)"
                if db_cpu >= 0 else "")  # fmt: skip
        print(f"  {what:32} {fast:7.1f} ms (target {TARGETS_MS[what]} ms: "
              f"{fast / TARGETS_MS[what]:.2f}x), client CPU {fast_cpu:6.1f} ms{busy}; "
              + (f"from the calls {slow:8.1f} ms ({slow / fast:.1f}x slower), same rows: "
                 f"{rows == raw}" if baseline_repeat > 0 else "not computed from the calls"),
              flush=True)  # fmt: skip
    engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--month", default="2026-11")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-repeat", type=int, default=1,
                        help="runs from the calls (0: none, no rows compared)")  # fmt: skip
    args = parser.parse_args()
    window = month_window(args.month)
    results = {}
    for url in args.urls:
        print(f"{url.split('://')[0]} ({args.month}):", flush=True)
        results[url] = measure(url, window, args.repeat, args.baseline_repeat)
    first = args.urls[0]
    for url in args.urls[1:]:
        print(f"{url.split('://')[0]} against {first.split('://')[0]}:")
        for what, (fast, _, _) in results[url].items():
            ratio = fast / results[first][what][0]
            print(f"  {what:34} {ratio:5.2f}x (MariaDB target within {MARIADB_FACTOR}x)")


if __name__ == "__main__":
    main()
