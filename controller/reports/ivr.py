"""IVR menus: how many callers chose each key of each menu, what became of them, and where
callers left the IVR.

The history keeps each call's path through the menus (``call.ivr_path``, written by the
generated dialplan): ``/main:1/sales:2`` = entered menu main, pressed 1, entered menu
sales, pressed 2; ``:timeout`` and ``:invalid`` are the menu's timeout and invalid-key exits;
a menu with no key after it is where the caller was when the call left the IVR. Per menu and
interval (the call's start):

- key ``*``: calls that entered the menu (once per call, however often);
- key ``1``...: calls that pressed it there (once per call), with what became of them;
- key ``""``: calls whose IVR ended in this menu without a choice: **where callers left**
  (hung up while listening; their outcome is usually "unanswered").

What the history does not keep: time spent in each menu and replays of the prompt (a
``:timeout``/``:invalid`` is written only when the retries are used up).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from controller.db.models import Call
from controller.reports.calendar import interval_key, intervals, label
from controller.reports.call_facts import CallCounts, counts_by, outcome_columns, outcome_figures
from controller.reports.queues import fact_query
from controller.reports.request import ReportRequest
from controller.reports.result import Chart, Column, Kind, Note, Report
from controller.reports.spec import ReportSpec

NAME = "ivr"
ENTERED = "*"
LEFT = ""


def steps(path: str) -> list[tuple[str, str]]:
    """``/main:1/sales`` -> [("main", "1"), ("sales", "")]: each menu visited, its choice."""
    found = []
    for part in path.split("/"):
        if not part:
            continue
        menu, sep, key = part.rpartition(":")
        found.append((menu, key) if sep else (part, LEFT))
    return found


def rows_of(path: str) -> set[tuple[str, str]]:
    """The (menu, key) rows one call counts in (each once)."""
    visited = steps(path)
    rows = {(menu, ENTERED) for menu, _ in visited}
    rows |= {(menu, key) for menu, key in visited if key != LEFT}
    if visited and visited[-1][1] == LEFT:
        rows.add(visited[-1])
    return rows


def _order(row: tuple[str, str]) -> tuple[str, bool, bool, str]:
    menu, key = row
    return menu, key != ENTERED, key == LEFT, key


def run(session: Session, req: ReportRequest) -> Report:
    q = fact_query(session, req)
    found = counts_by(session, q, [Call.ivr_path])
    folded: dict[tuple[Any, tuple[str, str]], CallCounts] = {}
    for (bucket, (path,)), counts in found.items():
        for row in rows_of(path or ""):
            folded.setdefault((interval_key(bucket, req.interval), row), CallCounts()).add(counts)
    keys = sorted(
        {row for _, row in folded}, key=lambda r: (r[0], r[1] != ENTERED, r[1] == LEFT, r[1])
    )
    rows = []
    for interval in intervals(req.window, req.interval):
        for menu, key in keys:
            counts = folded.get((interval, (menu, key)), CallCounts())
            rows.append({"interval": label(interval, req.interval), "menu": menu, "key": key,
                         **outcome_figures(counts)})  # fmt: skip
    return Report(
        NAME, "IVR 菜单", "IVR menus",
        (Column("interval", "时段", "Interval", Kind.TEXT),
         Column("menu", "菜单", "Menu", Kind.TEXT),
         Column("key", "按键", "Key", Kind.TEXT,
                "* = entered the menu; '' = left the IVR here without choosing"),
         *outcome_columns()),
        rows, params=req.params(),
        notes=(Note("每通电话按菜单和按键各计一次,计入其开始的时段",
                    "a call counts once per menu and key, in the interval it started"),
               Note("按键 '' 表示来电者在此菜单未做选择就离开了 IVR",
                    "key '' is where callers left the IVR: in this menu, without a choice")),
        chart=Chart("bar", "key", ("calls",)),
    )  # fmt: skip


SPEC = ReportSpec(
    name=NAME,
    zh="IVR 菜单",
    en="IVR menus",
    summary="per IVR menu and key: callers who chose it, what became of them, where they left",
    run=run,
)
