"""An agent's day, state by state: the spans behind the agent report's times.

One row per span of an agent in one state (ready, ringing, on a call, after-call work,
paused with its reason), cut to the window; a span still open ends at the end of the window
or now. Start and end are written in the site's zone. An agent-role reader sees their own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from controller.reports.agent_facts import state_spans_query
from controller.reports.agents import agent_query
from controller.reports.request import ReportRequest
from controller.reports.result import Chart, Column, Kind, Report
from controller.reports.spec import ReportSpec
from controller.reports.words import AGENT_STATES

NAME = "timeline"


def run(session: Session, req: ReportRequest) -> Report:
    q = agent_query(req)
    end_open = min(q.until, max(q.now, q.since))
    rows: list[dict[str, Any]] = []
    spans = sorted(session.execute(state_spans_query(q)).all(), key=lambda r: (r[0], r[3]))
    for agent, state, reason, started, ended in spans:
        start = max(started, q.since)
        end = min(ended if ended is not None else end_open, q.until)
        if end <= start:
            continue
        rows.append(
            {
                "agent": agent,
                "state": str(state),
                "reason": reason or "",
                "start": start.astimezone(q.tz).isoformat(timespec="seconds"),
                "end": end.astimezone(q.tz).isoformat(timespec="seconds"),
                "seconds": round((end - start).total_seconds(), 3),
                "open": ended is None,
            }
        )
    return Report(
        NAME,
        "坐席状态时间线",
        "Agent timeline",
        (
            Column("agent", "坐席", "Agent", Kind.TEXT),
            Column("state", "状态", "State", Kind.TEXT, words=AGENT_STATES),
            Column("reason", "原因", "Reason", Kind.TEXT),
            Column("start", "开始", "Start", Kind.TIME),
            Column("end", "结束", "End", Kind.TIME),
            Column("seconds", "时长(秒)", "Seconds", Kind.SECONDS),
        ),
        rows,
        params=req.params(),
        chart=Chart("timeline", "agent", ("seconds",)),
    )


SPEC = ReportSpec(
    name=NAME,
    zh="坐席状态时间线",
    en="Agent timeline",
    summary="each agent's states span by span (a day's timeline)",
    run=run,
    agent_may_see=True,
    intervals=False,
)
