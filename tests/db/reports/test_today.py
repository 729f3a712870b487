"""Today's wallboard figures: the queue report's own numbers for one window."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.reports import queues
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest
from controller.reports.today import QueueDayFigures, queue_day_figures
from tests.db.reports.builder import History, Leg, Work

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 5, 4)


def _history() -> History:
    h = History()
    h.threshold("sales", 20, 5)
    h.threshold("support", 30, 10)
    h.call("c1", "2026-05-04 09:00:00", Leg("sales", 10, "answered", (Work("8001", 60, 5, 10),)))
    h.call("c2", "2026-05-04 09:10:00", Leg("sales", 30, "abandoned"))
    h.call("c3", "2026-05-04 09:20:00", Leg("sales", 3, "abandoned"))  # short
    # Through two queues: counted once for the center, its waits summed (40 + 5 s).
    h.call("c4", "2026-05-04 10:20:00", Leg("sales", 40, "timeout"),
           Leg("support", 5, "answered", (Work("8002", 100),)))  # fmt: skip
    h.call("c5", "2026-05-03 23:59:00", Leg("sales", 10, "answered", (Work("8001", 60),)))
    return h


def test_todays_figures_per_queue_and_center(engine: Engine) -> None:
    _history().write(engine)
    window = Window(DAY, DAY, TZ)
    with session_factory(engine)() as session:
        got = queue_day_figures(session, since=window.since, until=window.until, queues=None)
    assert got == {
        "": QueueDayFigures("", 4, 2, 1, 1, 0.3333, "E", 20, 27.5, 85.0),
        "sales": QueueDayFigures("sales", 4, 1, 1, 1, 0.5, "E", 20, 10.0, 70.0),
        "support": QueueDayFigures("support", 1, 1, 0, 0, 1.0, "E", 30, 5.0, 100.0),
    }


def test_todays_figures_are_the_queue_reports(engine: Engine) -> None:
    _history().write(engine)
    window = Window(DAY, DAY, TZ)
    with session_factory(engine)() as session:
        today = queue_day_figures(session, since=window.since, until=window.until, queues=None)
        report = queues.run(session, ReportRequest(window, Interval.DAY))
    for row in report.rows:
        figures = today[row["queue"]]
        assert (row["offered"], row["answered"], row["abandoned"], row["short_abandoned"],
                row["service_level"], row["asa"], row["aht"]) == (
            figures.offered, figures.answered, figures.abandoned, figures.short_abandoned,
            figures.service_level, figures.asa_seconds, figures.aht_seconds,
        )  # fmt: skip


def test_a_queue_asked_without_calls_shows_zeros_and_its_threshold(engine: Engine) -> None:
    h = History()
    h.threshold("vip", 15, 3)
    h.write(engine)
    window = Window(DAY, DAY, TZ)
    with session_factory(engine)() as session:
        got = queue_day_figures(session, since=window.since, until=window.until, queues=["vip"])
    assert got["vip"] == QueueDayFigures("vip", 0, 0, 0, 0, None, "E", 15, None, None)
    assert got[""].offered == 0
