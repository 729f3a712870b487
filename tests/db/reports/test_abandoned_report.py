"""The abandoned-calls list: callbacks, calling again, being reached later."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest
from controller.reports.runner import run_report
from tests.db.reports.builder import History, Leg, Work

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 5, 4)


def _history() -> History:
    h = History()
    h.threshold("sales", 20, 5)
    # Hangs up after 40 s, calls again at 10:30 and is answered.
    h.call("x1", "2026-05-04 10:00:00", Leg("sales", 40, "abandoned"), caller="13900000001")
    h.call("x2", "2026-05-04 10:30:00", Leg("sales", 5, "answered", (Work("8001", 30),)),
           caller="13900000001")  # fmt: skip
    # Short abandon, never heard of again.
    h.call("x3", "2026-05-04 11:00:00", Leg("sales", 3, "abandoned"), caller="13900000002")
    # Asks for a callback; the second attempt is answered.
    h.call("x4", "2026-05-04 12:00:00", Leg("sales", 30, "exit_key", exit_key="1"),
           caller="13900000003", outcome="callback")  # fmt: skip
    h.callback("sales", "x4", "2026-05-04 12:00:30", "no_answer", "answered")
    # Times out, calls again the next day and hangs up again.
    h.call("x5", "2026-05-04 13:00:00", Leg("sales", 300, "timeout"), caller="13900000004")
    h.call("x6", "2026-05-05 09:00:00", Leg("sales", 50, "abandoned"), caller="13900000004")
    return h


def _rows(engine: Engine, **options: str) -> list[dict[str, Any]]:
    with session_factory(engine)() as session:
        req = ReportRequest(Window(DAY, DAY, SHANGHAI), Interval.DAY, options=options)
        return run_report(session, "abandoned", req).rows


def test_abandoned_calls_and_what_became_of_them(engine: Engine) -> None:
    _history().write(engine)
    rows = _rows(engine)
    got = [(r["caller"], r["wait"], r["ended"], r["called_again_at"], r["called_again_answered"],
            r["reached_after"]) for r in rows]  # fmt: skip
    assert got == [
        (
            "13900000001",
            40.0,
            "abandoned",
            "2026-05-04T10:30:00+08:00",
            True,
            1765,
        ),  # 10:00:40 -> 10:30:05
        ("13900000002", 3.0, "short_abandoned", None, None, None),
    ]


def test_every_unanswered_call_with_its_callback(engine: Engine) -> None:
    _history().write(engine)
    rows = _rows(engine, kind="unanswered")
    assert [r["ended"] for r in rows] == ["abandoned", "short_abandoned", "exit_key", "timeout"]
    callback = rows[2]
    assert (callback["callback_asked"], callback["callback_attempts"]) == (True, 2)
    assert callback["callback_answered_at"] == "2026-05-04T12:02:30+08:00"
    assert callback["reached_after"] == 120  # the lost call ended at 12:00:30
    timed_out = rows[3]
    assert timed_out["called_again_at"] == "2026-05-05T09:00:00+08:00"
    assert timed_out["called_again_answered"] is False
    assert timed_out["reached_at"] is None
    assert _rows(engine, kind="unanswered", within_days="0")[3]["called_again_at"] is None
