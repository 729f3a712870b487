"""The fixture day the report tests share, with what each call is there to test."""

from __future__ import annotations

from tests.db.reports.builder import History, Leg, Work


def queue_day() -> History:
    """Monday 2026-05-04 in Shanghai; expected figures are worked out in the tests."""
    h = History()
    h.threshold("sales", 20, 5)
    h.threshold("support", 30, 10)
    h.threshold("sales", 10, 5, since="2026-05-04 12:00:00")  # T changes at noon
    # Enters at 08:59:50 (hour 8, quarter 3), answered in hour 9: belongs to hour 8.
    h.call("c1", "2026-05-04 08:59:50", Leg("sales", 15, "answered", (Work("8001", 60, 10, 20),)))
    # Answered at exactly T (≤ counts), then blind-transferred to 8003.
    h.call("c2", "2026-05-04 09:00:00",
           Leg("sales", 20, "answered", (Work("8002", 100, transfer=True), Work("8003", 50))))  # fmt: skip
    h.call("c3", "2026-05-04 09:05:00", Leg("sales", 5, "abandoned"))  # short (≤ S)
    h.call("c4", "2026-05-04 09:10:00", Leg("sales", 6, "abandoned"))  # long, within T
    h.call("c5", "2026-05-04 09:20:00", Leg("sales", 25, "abandoned"))  # long, beyond T
    # Through two queues: timeout in sales, answered in support; the center counts it once.
    h.call("c6", "2026-05-04 09:30:00", Leg("sales", 60, "timeout"),
           Leg("support", 10, "answered", (Work("8004", 30),)))  # fmt: skip
    # Left with the callback key; called back twice, answered the second time.
    h.call("c7", "2026-05-04 09:40:00", Leg("sales", 30, "exit_key", exit_key="1"),
           outcome="callback")  # fmt: skip
    h.callback("sales", "c7", "2026-05-04 09:40:30", "no_answer", "answered")
    h.call("c8", "2026-05-04 09:50:00", Leg("support", 0, "exit_empty"))  # no agents
    # Enters before midnight, answered after: belongs to May 4, 23:00. T is 10 after noon.
    h.call("c9", "2026-05-04 23:59:30", Leg("sales", 45, "answered", (Work("8001", 100),)))
    h.call("c10", "2026-05-05 00:00:10", Leg("sales", 5, "answered", (Work("8001", 20),)))
    h.call("c11", "2026-05-04 12:30:00", Leg("sales", 15, "answered", (Work("8001", 10),)))
    h.call("c12", "2026-05-04 10:00:00", outcome="closed")  # arrived while closed
    # Enters 2 s before May 4 and is answered on May 4: belongs to May 3.
    h.call("c13", "2026-05-03 23:59:58", Leg("sales", 3, "answered", (Work("8002", 40),)))
    return h


def agent_day() -> History:
    """Two agents on 2026-05-04 in Shanghai; 8001 stays logged in across midnight."""
    h = History()
    h.threshold("sales", 20, 5)
    h.state("8001", "ready", "2026-05-04 08:00:00", "2026-05-04 09:00:10")
    # Rings 8002 (no answer), then 8001 answers: talk 120 s incl. 20 s hold, then 30 s ACW.
    h.call("a1", "2026-05-04 09:00:00",
           Leg("sales", 10, "answered", (Work("8001", 120, 20, 30),), missed=("8002",)))  # fmt: skip
    h.state("8001", "ready", "2026-05-04 09:02:40", "2026-05-04 10:00:00")
    h.state("8002", "ready", "2026-05-04 09:00:00", "2026-05-04 10:00:05")
    # 8002 answers and transfers to 8001 (40 s).
    h.call("a2", "2026-05-04 10:00:00",
           Leg("sales", 5, "answered", (Work("8002", 60, transfer=True), Work("8001", 40))))  # fmt: skip
    h.state("8001", "paused", "2026-05-04 12:00:00", "2026-05-04 13:00:00", "lunch")
    h.state("8001", "paused", "2026-05-04 13:00:00", "2026-05-04 13:30:00", "training")
    h.state("8001", "ready", "2026-05-04 23:00:00", "2026-05-05 01:00:00")
    return h
