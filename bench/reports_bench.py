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
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bench.reports_data import TZ
from controller.db.engine import make_engine, session_factory
from controller.db.models import Call, ReportRollupRange
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


CPU: list[float] = []  # this process's CPU ms of the last timed() (see main's note)


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall milliseconds of ``repeat`` runs after one warm-up (none for a single
    run); the last result. The median CPU milliseconds of this process go to CPU."""
    result = run() if repeat > 1 else None
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    CPU[:] = [statistics.median(cpu)]
    return statistics.median(times), result


def rows_of(session: Session, name: str, request: ReportRequest) -> list[Any]:
    return run_report(session, name, request).rows


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
    found = {}
    for what, (name, request) in cases(window).items():
        with factory() as session:
            fast, rows = timed(partial(rows_of, session, name, request), repeat)
            fast_cpu = CPU[0]
        with factory() as session:
            session.execute(delete(ReportRollupRange))  # hidden, rolled back below
            slow, raw = timed(partial(rows_of, session, name, request), baseline_repeat)
            session.rollback()
        found[what] = (fast, slow, rows == raw)
        print(f"  {what:32} {fast:7.1f} ms, client CPU {fast_cpu:7.1f} ms (target "
              f"{TARGETS_MS[what]} ms: {fast / TARGETS_MS[what]:.2f}x)  from the calls "
              f"{slow:8.1f} ms ({slow / fast:.1f}x slower)  same rows: {rows == raw}",
              flush=True)  # fmt: skip
    engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--month", default="2026-11")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-repeat", type=int, default=1, help="runs from the calls")
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
