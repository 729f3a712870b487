"""The queue report on a hand-worked fixture day, identical on SQLite, PostgreSQL, MariaDB,
and every figure's drill-down listing exactly what it counts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.reports import queues
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report
from controller.reports.scope import Audience
from controller.reports.service_level import Variant
from tests.db.reports.builder import History, Leg, Work
from tests.db.reports.fixtures import queue_day

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 5, 4)

# Worked by hand from fixtures.queue_day (see the comments there).
SALES = {
    "offered": 9, "answered": 4, "abandoned": 2, "short_abandoned": 1, "timeout": 1,
    "exit_key": 1, "no_agents": 0, "full": 0, "withdrawn": 0, "closed": 0,
    "answer_rate": 0.4444, "abandon_rate": 0.25,
    "service_level": 0.3333,  # E: 2 ÷ (4 + 3 − 1)
    "answered_in_sl": 2,  # c1 (15 ≤ 20), c2 (20 ≤ 20); c9 and c11 are judged with T = 10
    "asa": 23.75, "max_wait_answered": 45.0, "avg_wait_abandoned": 15.5,
    "max_wait_abandoned": 25.0, "handled": 4,
    "aht": 72.5,  # talk 50 + 100 + 100 + 10, hold 10, after-call work 20, over 4
    "avg_talk": 65.0, "avg_hold": 2.5, "avg_acw": 5.0, "transferred": 1,
    "callbacks_requested": 1, "callbacks_placed": 1, "callbacks_answered": 1,
}  # fmt: skip
SUPPORT = {
    "offered": 2, "answered": 1, "abandoned": 0, "short_abandoned": 0, "timeout": 0,
    "exit_key": 0, "no_agents": 1, "full": 0, "withdrawn": 0, "closed": 0,
    "answer_rate": 0.5, "abandon_rate": 0.0, "service_level": 1.0, "sl_seconds": 30,
    "answered_in_sl": 1, "asa": 10.0, "max_wait_answered": 10.0, "avg_wait_abandoned": None,
    "max_wait_abandoned": None, "handled": 1, "aht": 30.0, "avg_talk": 30.0, "avg_hold": 0.0,
    "avg_acw": 0.0, "transferred": 0, "callbacks_requested": 0, "callbacks_placed": 0,
    "callbacks_answered": 0,
}  # fmt: skip
CENTER = {
    "offered": 10, "answered": 5, "abandoned": 2, "short_abandoned": 1,
    "timeout": 0,  # c6 timed out in sales but was answered in support
    "exit_key": 1, "no_agents": 1, "full": 0, "withdrawn": 0, "closed": 1,
    "answer_rate": 0.5, "abandon_rate": 0.2222,
    "service_level": 0.2857,  # 2 ÷ (5 + 3 − 1); c6 waited 60 + 10 s
    "sl_seconds": 20,  # shown: the threshold the queues share at the start, else the smallest
    "answered_in_sl": 2, "asa": 33.0, "max_wait_answered": 70.0, "avg_wait_abandoned": 15.5,
    "max_wait_abandoned": 25.0, "handled": 5, "aht": 64.0, "avg_talk": 58.0, "avg_hold": 2.0,
    "avg_acw": 4.0, "transferred": 1, "callbacks_requested": 1, "callbacks_placed": 1,
    "callbacks_answered": 1,
}  # fmt: skip


def _run(engine: Engine, interval: Interval, **kw: Any) -> list[dict[str, Any]]:
    with session_factory(engine)() as session:
        req = ReportRequest(Window(kw.pop("first", DAY), kw.pop("last", DAY), kw.pop("tz", SHANGHAI)),
                            interval, **kw)  # fmt: skip
        return run_report(session, "queues", req).rows


def _pick(rows: list[dict[str, Any]], interval: str, queue: str) -> dict[str, Any]:
    return next(r for r in rows if r["interval"] == interval and r["queue"] == queue)


def test_the_day_per_queue_and_for_the_center(engine: Engine) -> None:
    queue_day().write(engine)
    rows = _run(engine, Interval.DAY)
    assert [r["queue"] for r in rows] == ["", "sales", "support"]
    sales = _pick(rows, "2026-05-04", "sales")
    assert {k: sales[k] for k in SALES} == SALES
    assert sales["sl_seconds"] == 20  # in force for the earliest legs of the day
    assert {k: _pick(rows, "2026-05-04", "support")[k] for k in SUPPORT} == SUPPORT
    center = _pick(rows, "2026-05-04", "")
    assert {k: center[k] for k in CENTER} == CENTER


def test_hours_attribute_each_leg_to_the_hour_it_entered(engine: Engine) -> None:
    queue_day().write(engine)
    rows = _run(engine, Interval.HOUR)
    assert len(rows) == 24 * 3  # every hour listed, zeros included
    offered = {r["interval"][11:13]: r["offered"] for r in rows if r["queue"] == "sales"}
    assert {h: n for h, n in offered.items() if n} == {"08": 1, "09": 6, "12": 1, "23": 1}
    assert _pick(rows, "2026-05-04 10:00", "")["closed"] == 1
    assert _pick(rows, "2026-05-04 07:00", "sales")["service_level"] is None
    quarters = _run(engine, Interval.QUARTER)
    assert _pick(quarters, "2026-05-04 08:45", "sales")["offered"] == 1


def test_service_level_variants_are_selectable(engine: Engine) -> None:
    queue_day().write(engine)
    got = {v: _pick(_run(engine, Interval.TOTAL, variant=v), "total", "sales")["service_level"]
           for v in Variant}  # fmt: skip
    # answered 4 (2 ≤ T), abandons 3 (2 ≤ T, 1 short)
    assert got == {Variant.A: 0.5, Variant.B: round(2 / 7, 4), Variant.C: 0.4,
                   Variant.D: round(4 / 7, 4), Variant.E: round(2 / 6, 4)}  # fmt: skip


def test_a_reader_narrowed_to_a_queue_sees_it_alone(engine: Engine) -> None:
    queue_day().write(engine)
    rows = _run(engine, Interval.TOTAL, audience=Audience(queues=frozenset({"support"})))
    assert [r["queue"] for r in rows] == ["", "support"]
    center = rows[0]
    # The center of a reader of support alone: c6 and c8 (counted by their support legs).
    assert (center["offered"], center["answered"], center["closed"]) == (2, 1, 0)


def _drill(engine: Engine, interval: Interval, at: str, queue: str, figure: str) -> int:
    with session_factory(engine)() as session:
        req = ReportRequest(Window(DAY, DAY, SHANGHAI), interval,
                            options={"figure": figure, "row": queue, "at": at, "limit": "1000"})  # fmt: skip
        report = run_report(session, "detail", req)
    assert report.params["total"] == len(report.rows)
    return len(report.rows)


@pytest.mark.parametrize("interval", [Interval.TOTAL, Interval.HOUR])
def test_every_figure_drills_down_to_exactly_what_it_counts(
    engine: Engine, interval: Interval
) -> None:
    queue_day().write(engine)
    rows = _run(engine, interval)
    drill = [c.key for c in queues.columns(Variant.E) if c.drill]
    checked = 0
    for row in rows:
        if not row["offered"] and not row["closed"]:
            continue
        for figure in drill:
            assert _drill(engine, interval, row["interval"], row["queue"], figure) == row[figure], (
                row["interval"], row["queue"], figure)  # fmt: skip
            checked += 1
    assert checked >= 3 * len(drill)


def test_the_drill_down_rows_describe_the_calls(engine: Engine) -> None:
    queue_day().write(engine)
    with session_factory(engine)() as session:
        req = ReportRequest(Window(DAY, DAY, SHANGHAI), Interval.DAY,
                            options={"figure": "transferred", "row": "sales", "at": "2026-05-04"})  # fmt: skip
        (row,) = run_report(session, "detail", req).rows
    assert row["queue"] == "sales"
    assert row["wait"] == 20.0
    assert row["agents"] == "8002,8003"
    assert row["talk"] == 150.0
    assert row["started_at"] == "2026-05-04T09:00:00+08:00"


def _dst_history() -> History:
    h = History(tz="Europe/Berlin")
    # Clocks go forward at 02:00 on 2026-03-29: 01:30 and 03:30 are an hour apart.
    h.call("s1", "2026-03-29 01:30:00", Leg("sales", 10, "answered", (Work("8001", 30),)))
    h.call("s2", "2026-03-29 03:30:00", Leg("sales", 10, "abandoned"))
    # Clocks go back at 03:00 on 2026-10-25: 02:30 happens twice.
    h.call("f1", "2026-10-25 02:30:00", Leg("sales", 10, "answered", (Work("8001", 30),)))
    return h


def test_a_zone_with_daylight_saving(engine: Engine) -> None:
    h = _dst_history()
    berlin = ZoneInfo("Europe/Berlin")
    # The second 02:30 (CET, fold=1): one hour after the first.
    second = dt.datetime(2026, 10, 25, 2, 30, tzinfo=berlin).timestamp() + 3600
    assert dt.datetime.fromtimestamp(second, berlin).strftime("%H:%M %Z") == "02:30 CET"
    h.call("f2", second, Leg("sales", 10, "answered", (Work("8001", 30),)))
    h.write(engine)
    spring = _run(engine, Interval.HOUR, first=dt.date(2026, 3, 29), last=dt.date(2026, 3, 29),
                  tz=berlin)  # fmt: skip
    sales = {r["interval"][11:13]: r["offered"] for r in spring if r["queue"] == "sales"}
    assert len(sales) == 23
    assert "02" not in sales
    assert (sales["01"], sales["03"]) == (1, 1)
    autumn = _run(engine, Interval.HOUR, first=dt.date(2026, 10, 25), last=dt.date(2026, 10, 25),
                  tz=berlin)  # fmt: skip
    sales = {r["interval"][11:13]: r["offered"] for r in autumn if r["queue"] == "sales"}
    assert len(sales) == 24
    assert sales["02"] == 2  # both 02:30s, in the one repeated hour
    day = _run(engine, Interval.DAY, first=dt.date(2026, 10, 25), last=dt.date(2026, 10, 25),
               tz=berlin)  # fmt: skip
    assert _pick(day, "2026-10-25", "sales")["answered"] == 2
