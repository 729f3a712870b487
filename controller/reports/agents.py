"""Agent performance per interval: time in each state, calls handled, handling times.

Per agent (and ``""``: every agent together, listed first in each interval):

- logged in = time in any state: ready + ringing + on a call + after-call work + paused
- ready, ringing, on a call, after-call work (ACW), paused; paused per reason (one column
  per reason found, ``paused:<reason>``)
- occupancy = (on a call + ACW) ÷ (ready + ringing + on a call + ACW): the share of the time
  the agent was available or busy that they were busy (paused time left out)
- handled = calls the agent talked on (one per handling, queue or direct), where the talk
  started; missed = rings they did not answer; transfers made (out of their calls) and
  received (calls another agent transferred to them)
- average talk (without hold), hold and ACW per handled call; AHT = their sum
- satisfaction = the mean post-call survey score about the agent, and how many answered

An agent-role reader sees only their own row. See agent_facts.py for how spans are cut at
interval edges (an agent logged in across midnight has time on both days).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from controller.reports import rollup
from controller.reports.agent_facts import (
    ALL_AGENTS,
    STATES,
    AgentFacts,
    AgentKey,
    AgentQuery,
)
from controller.reports.calendar import Interval, IntervalKey, interval_key, intervals, label
from controller.reports.request import ReportRequest
from controller.reports.result import Chart, Column, Kind, Note, Report
from controller.reports.spec import ReportSpec

NAME = "agents"


def columns(reasons: list[str]) -> tuple[Column, ...]:
    c, s, r = Kind.COUNT, Kind.SECONDS, Kind.RATE
    return (
        Column("interval", "时段", "Interval", Kind.TEXT),
        Column("agent", "坐席", "Agent", Kind.TEXT, "'' = every agent"),
        Column("logged_in", "登录时长", "Logged in", s, "ready+ringing+on call+ACW+paused"),
        Column("ready", "空闲", "Ready", s),
        Column("ringing", "振铃", "Ringing", s),
        Column("on_call", "通话中", "On calls", s),
        Column("acw", "话后处理", "After-call work", s),
        Column("paused", "暂停", "Paused", s),
        *[Column(f"paused:{r}", f"暂停: {r}", f"Paused: {r}", s) for r in reasons],
        Column(
            "occupancy",
            "占用率",
            "Occupancy",
            r,
            "(on call + ACW) ÷ (ready + ringing + on call + ACW)",
        ),
        Column("handled", "处理量", "Handled", c, "calls talked on", drill=True),
        Column("missed", "未接振铃", "Missed rings", c, "rang, not answered", drill=True),
        Column("transfers_made", "转出", "Transfers made", c, drill=True),
        Column("transfers_received", "转入", "Transfers received", c, drill=True),
        Column("avg_talk", "平均通话", "Avg talk", s, "without hold"),
        Column("avg_hold", "平均保持", "Avg hold", s),
        Column("avg_acw", "平均话后处理", "Avg ACW", s),
        Column("aht", "平均处理时长", "AHT", s, "(talk + hold + ACW) ÷ handled"),
        Column("surveys", "评价数", "Surveys", c),
        Column("satisfaction", "满意度", "Satisfaction", Kind.SECONDS, "mean survey score"),
    )


def figures(f: AgentFacts, reasons: list[str]) -> dict[str, Any]:
    # Written for speed (a month's report by day has ~7,000 rows): one pass over the state
    # times, the rounding inline (result.rounded: None stays None).
    states = dict.fromkeys(STATES, 0)
    state_ms = f.state_ms
    for (state, _), ms in state_ms.items():
        states[state] = states.get(state, 0) + ms
    ready, ringing, on_call, acw, paused = (states[s] for s in STATES)
    available = ready + ringing + on_call + acw
    handled, handling = f.handled, f.talk_ms + f.hold_ms + f.acw_ms
    return {
        "logged_in": (available + paused) / 1000,
        "ready": ready / 1000,
        "ringing": ringing / 1000,
        "on_call": on_call / 1000,
        "acw": acw / 1000,
        "paused": paused / 1000,
        **{f"paused:{r}": state_ms.get(("paused", r), 0) / 1000 for r in reasons},
        "occupancy": round((on_call + acw) / available, 4) if available > 0 else None,
        "handled": handled,
        "missed": f.missed,
        "transfers_made": f.transfers_made,
        "transfers_received": f.transfers_received,
        "avg_talk": round(f.talk_ms / handled / 1000.0, 3) if handled > 0 else None,
        "avg_hold": round(f.hold_ms / handled / 1000.0, 3) if handled > 0 else None,
        "avg_acw": round(f.acw_ms / handled / 1000.0, 3) if handled > 0 else None,
        "aht": round(handling / handled / 1000.0, 3) if handled > 0 else None,
        "surveys": f.surveys,
        "satisfaction": round(f.survey_score / f.surveys, 3) if f.surveys > 0 else None,
    }


def agent_query(req: ReportRequest, now: dt.datetime | None = None) -> AgentQuery:
    return AgentQuery(
        since=req.window.since,
        until=req.window.until,
        tz=req.window.tz,
        agents=req.selection.agents,
        quarters=req.interval is Interval.QUARTER,
        now=now or dt.datetime.now(dt.UTC),
    )


def fold(
    facts: Mapping[AgentKey, AgentFacts], interval: Interval
) -> dict[tuple[IntervalKey, str], AgentFacts]:
    """The facts per (interval, agent) and (interval, every agent). The facts of a bucket
    that is an interval of its own are taken as they are (and added to afterwards)."""
    folded: dict[tuple[IntervalKey, str], AgentFacts] = {}
    keys: dict[Any, IntervalKey] = {}
    for (agent, bucket), f in facts.items():
        key = keys.get(bucket)
        if key is None:
            key = keys[bucket] = interval_key(bucket, interval)
        mine = folded.get((key, agent))
        if mine is None:
            folded[(key, agent)] = f
        else:
            mine.add(f)
        every = folded.get((key, ALL_AGENTS))
        if every is None:
            every = folded[(key, ALL_AGENTS)] = AgentFacts()
        every.add(f)
    return folded


def run(session: Session, req: ReportRequest) -> Report:
    q = agent_query(req)
    daily = req.interval not in (Interval.QUARTER, Interval.HOUR)
    facts = rollup.agent_facts(session, q, daily=daily)
    reasons = sorted({reason for f in facts.values() for (s, reason) in f.state_ms
                      if s == "paused" and reason})  # fmt: skip
    folded = fold(facts, req.interval)  # takes over (and adds to) facts' objects
    names = sorted({agent for _, agent in folded if agent != ALL_AGENTS} | set(q.agents or ()))
    own = req.audience.own_agent is not None
    empty = figures(AgentFacts(), reasons)  # an interval without work: the same zeros
    rows = []
    for key in intervals(req.window, req.interval):
        at = label(key, req.interval)
        for agent in names if own else (ALL_AGENTS, *names):
            f = folded.get((key, agent))
            rows.append({"interval": at, "agent": agent,
                         **(empty if f is None else figures(f, reasons))})  # fmt: skip
    return Report(
        NAME,
        "坐席绩效",
        "Agent performance",
        columns(reasons),
        rows,
        params=req.params(),
        notes=(
            Note(
                "状态时长在时段边界处切分;通话计入开始通话的时段",
                "state time is cut at interval edges; calls count where the talk started",
            ),
            Note(
                "占用率 = (通话 + 话后处理) ÷ (就绪 + 振铃 + 通话 + 话后处理)",
                "occupancy = (on call + ACW) ÷ (ready + ringing + on call + ACW)",
            ),
        ),
        chart=Chart("bar", "agent", ("handled", "missed")),
    )


SPEC = ReportSpec(
    name=NAME,
    zh="坐席绩效",
    en="Agent performance",
    summary="per agent and interval: logged in, ready, paused per reason, occupancy, calls, AHT",
    run=run,
    agent_may_see=True,
)
