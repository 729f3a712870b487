"""The staffing report from a history built to be REPORTING.md's reference interval, on
SQLite, PostgreSQL and MariaDB; what-if options; refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.reports.calendar import Interval, Window
from controller.reports.errors import ReportError
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report
from tests.db.reports.builder import History, Leg, Work

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 5, 4)


def reference_hour() -> History:
    """09:00-10:00 in sales: 200 calls of 180 s (A = 200 × 180 ÷ 3600 = 10 Erlangs).

    190 answered, each talking 150 s, holding 10 s inside that talk and 30 s after-call work:
    AHT = (140 + 10 + 30) = 180 s. Waits: 120 answered after 20 s, 70 at once, 10 gave up
    after 60 s: 2 400 + 600 = 3 000 s waited over 10 abandons = a mean patience of 300 s.
    """
    h = History()
    h.threshold("sales", 20, 5)
    for n in range(200):
        start = f"2026-05-04 09:{n * 18 // 60:02d}:{n * 18 % 60:02d}"
        if n < 10:
            leg = Leg("sales", 60, "abandoned")
        else:
            wait = 20 if n < 130 else 0
            leg = Leg("sales", wait, "answered", (Work(f"80{n % 20:02d}", 150, 10, 30),))
        h.call(f"s{n}", start, leg)
    return h


def _run(engine: Engine, interval: Interval = Interval.HOUR, **options: str) -> Any:
    with session_factory(engine)() as session:
        req = ReportRequest(
            Window(DAY, DAY, SHANGHAI),
            interval,
            queues=frozenset({"sales"}),
            options={"max_abandon": "0.05", **options},
        )
        return run_report(session, "staffing", req)


def test_the_reference_interval_from_history(engine: Engine) -> None:
    reference_hour().write(engine)
    report = _run(engine)
    assert len(report.rows) == 24
    row = next(r for r in report.rows if r["interval"] == "2026-05-04 09:00")
    assert (row["calls"], row["aht"], row["load"]) == (200, 180, 10)
    # REPORTING.md §4.3: 14 agents (20 scheduled) by Erlang C; 13 (19) by Erlang A.
    assert (row["c_agents"], row["c_scheduled"]) == (14, 20)
    assert (row["c_service_level"], row["c_asa"], row["c_occupancy"]) == (0.8884, 7.836, 0.7143)
    assert (row["a_agents"], row["a_scheduled"]) == (13, 19)
    assert (row["a_service_level"], row["a_abandon"]) == (0.8582, 0.025)
    quiet = next(r for r in report.rows if r["interval"] == "2026-05-04 10:00")
    assert (quiet["calls"], quiet["aht"], quiet["c_agents"], quiet["a_agents"]) == (0, 180, 0, 0)
    said = " ".join(map(str, report.notes))
    assert "patience 300.0 s, estimated: 3000 s waited by all callers ÷ 10 who gave up" in said
    assert "peak 2026-05-04 09:00: 14 agents on the phones by Erlang C (20 scheduled)" in said


def test_quarters_split_the_load(engine: Engine) -> None:
    reference_hour().write(engine)
    rows = _run(engine, Interval.QUARTER).rows
    first = next(r for r in rows if r["interval"] == "2026-05-04 09:00")
    # 50 calls in the first quarter (one every 18 s; the 10 abandons among them), the 40
    # handled at 180 s: A = 50 × 180 ÷ 900 = 10, as many Erlangs as in the whole hour.
    assert (first["calls"], first["aht"], first["load"]) == (50, 180, 10)


def test_what_if_options(engine: Engine) -> None:
    reference_hour().write(engine)
    row = _run(engine, growth="1.1").rows[9]
    assert (row["calls"], row["load"]) == (220, 11)
    row = _run(engine, calls="100", aht="360", patience="300").rows[3]  # a quiet hour
    assert (row["calls"], row["load"], row["c_agents"], row["a_agents"]) == (100, 10, 14, 13)
    row = _run(engine, target="0.9", threshold="30", shrinkage="0").rows[9]
    assert row["c_agents"] == row["c_scheduled"]


def test_without_abandons_erlang_a_waits_for_a_patience(engine: Engine) -> None:
    h = History()
    h.call("only", "2026-05-04 09:10:00", Leg("sales", 5, "answered", (Work("8001", 100),)))
    h.write(engine)
    report = _run(engine)
    row = report.rows[9]
    assert (row["c_agents"], row["a_agents"]) == (1, None)
    assert "nobody gave up in the window" in " ".join(map(str, report.notes))


@pytest.mark.parametrize(
    ("interval", "options", "message"),
    [
        (Interval.DAY, {}, "needs --interval 15m or hour, not day"),
        (Interval.HOUR, {"target": "abc"}, "option 'target' must be a number, got 'abc'"),
        (Interval.HOUR, {"target": "1"}, "option 'target' must be above 0 and below 1, not 1"),
        (Interval.HOUR, {"shrinkage": "1.5"}, "option 'shrinkage' must be at least 0 and below 1"),
        (Interval.HOUR, {"aht": "0"}, "option 'aht' must be at least 1"),
        (Interval.HOUR, {"growth": "inf"}, "option 'growth' must be a number"),
    ],
)
def test_bad_inputs_are_refused_by_name(
    engine: Engine, interval: Interval, options: dict[str, str], message: str
) -> None:
    with pytest.raises(ReportError, match=message):
        _run(engine, interval, **options)
