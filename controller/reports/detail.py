"""Call detail: the calls behind a figure (drill-down), a page at a time.

Options: ``report`` (the report the figure is in), ``figure`` (its column key), ``row``
(the row's queue, or agent for the agents report; none or ``""``: the center, every agent)
and ``at`` (the interval's label as the report writes it, with the same ``--interval``; none:
the whole window). One row per item the
figure counts, so the number of rows (``params.total``) *is* the figure: a queue leg for a
queue's counts, a call for the center's, a handling for "handled", a callback request for
the callbacks, a ring for "missed". Each row carries the call's id (the history API's
``/api/v1/history/calls/{id}`` has its legs, agents and recordings), its caller, the queue
and wait, the agents on it, its talk time and how many recordings it has.

The rows are selected with the very conditions the report counts with (queue_facts.py,
agent_facts.py): a figure and its drill-down cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, false, func, literal, null, select
from sqlalchemy.orm import Session

from controller.db.models import Call, CallbackRequest, Handling, QueueLeg, Recording
from controller.reports import agent_facts as ag
from controller.reports import queue_facts as qf
from controller.reports.agents import agent_query
from controller.reports.calendar import (
    Interval,
    IntervalKey,
    bucket_of,
    days_of,
    instant_ranges,
    interval_key,
    parse_label,
    quarter_shift,
)
from controller.reports.errors import ReportError
from controller.reports.queues import fact_query
from controller.reports.request import ReportRequest
from controller.reports.result import Column, Kind, Note, Report
from controller.reports.spec import Option, ReportSpec
from controller.reports.sql import dialect_of, local_quarter
from controller.reports.words import CALL_OUTCOMES, QUEUE_OUTCOMES

NAME = "detail"
PAGE = 100
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class Where:
    """The interval a drill-down is confined to, as conditions on a row's bucket."""

    key: IntervalKey
    interval: Interval
    dialect: str
    shift: int  # calendar.quarter_shift of the window

    def on(self, at: Any, local_date: Any, local_hour: Any) -> list[Any]:
        days = days_of(self.key, self.interval)
        if days is None or self.key is None:
            return []
        where = [local_date >= days[0], local_date <= days[1]]
        if self.interval in (Interval.HOUR, Interval.QUARTER):
            where.append(local_hour == self.key[1])
        if self.interval is Interval.QUARTER:
            where.append(local_quarter(self.dialect, at, self.shift) == self.key[2])
        return where

    def holds(self, at: dt.datetime, tz: Any) -> bool:
        bucket = bucket_of(at, tz, self.interval is Interval.QUARTER)
        return self.key is None or interval_key(bucket, self.interval) == self.key


# A drill-down: (session, request, where, row) -> a SELECT of (call_id, leg_id, at, item).
Items = Callable[[Session, ReportRequest, Where, str], Select[Any]]


def _queue_items(figure: str) -> Items:
    def items(session: Session, req: ReportRequest, where: Where, queue: str) -> Select[Any]:
        q = fact_query(session, req)
        if queue == qf.CENTER:
            parts = qf.center_from(q)
            per_call, first, terms = parts[0], parts[1], parts[3]
            return qf.center_select(
                q,
                parts,
                per_call.c.call_id.label("call_id"),
                first.id.label("leg_id"),
                first.entered_at.label("at"),
                literal(0).label("item"),
            ).where(
                qf.conditions(terms)[figure],
                *where.on(first.entered_at, first.local_date, first.local_hour),
            )
        leg = QueueLeg
        return select(
            leg.call_id.label("call_id"), leg.id.label("leg_id"), leg.entered_at.label("at"),
            leg.id.label("item"),
        ).where(
            *qf.leg_window(leg, q),
            leg.queue_name == queue,
            qf.conditions(qf.leg_terms(leg, q.thresholds))[figure],
            *where.on(leg.entered_at, leg.local_date, leg.local_hour),
        )  # fmt: skip

    return items


def _handled(session: Session, req: ReportRequest, where: Where, queue: str) -> Select[Any]:
    q = fact_query(session, req)
    leg = QueueLeg
    return (
        select(Handling.call_id.label("call_id"), leg.id.label("leg_id"),
               Handling.talk_start.label("at"), Handling.id.label("item"))
        .join(leg, Handling.leg_id == leg.id)
        .where(*qf.leg_window(leg, q),
               *([leg.queue_name == queue] if queue != qf.CENTER else []),
               *where.on(leg.entered_at, leg.local_date, leg.local_hour))
    )  # fmt: skip


def _closed(session: Session, req: ReportRequest, where: Where, queue: str) -> Select[Any]:
    q = fact_query(session, req)
    condition = qf.closed_condition(q) if queue == qf.CENTER and q.queues is None else [false()]
    return select(
        Call.id.label("call_id"), null().label("leg_id"), Call.started_at.label("at"),
        Call.id.label("item"),
    ).where(*condition, *where.on(Call.started_at, Call.local_date, Call.local_hour))  # fmt: skip


def _callbacks(figure: str) -> Items:
    def items(session: Session, req: ReportRequest, where: Where, queue: str) -> Select[Any]:
        q = fact_query(session, req)
        own = [] if queue == qf.CENTER else [CallbackRequest.queue_name == queue]
        # The interval is checked on the rows (callbacks are few): see _callback_rows.
        return (
            select(Call.id.label("call_id"), null().label("leg_id"),
                   CallbackRequest.requested_at.label("at"), CallbackRequest.id.label("item"))
            .outerjoin(Call, and_(Call.server_id == CallbackRequest.server_id,
                                  Call.linkedid == CallbackRequest.origin_linkedid))
            .where(*qf.callback_window(q), *own, qf.CALLBACK_CONDITIONS[figure]())
        )  # fmt: skip

    return items


QUEUE_ITEMS: Mapping[str, Items] = {
    **{figure: _queue_items(figure) for figure in qf.COUNTS},
    "handled": _handled,
    "closed": _closed,
    **{figure: _callbacks(figure) for figure in qf.CALLBACK_CONDITIONS},
}


def _agent_items(figure: str) -> Items:
    def items(session: Session, req: ReportRequest, where: Where, agent: str) -> Select[Any]:
        chosen = req.selection.agents
        if agent and chosen is not None and agent not in chosen:
            raise ReportError(f"report 'detail': agent {agent!r} is not yours to see",
                              forbidden=True)  # fmt: skip
        q = agent_query(req)
        ranges = instant_ranges(req.window, req.interval, where.key)
        return ag.AGENT_ITEMS[figure](q, agent, ranges)

    return items


AGENT_ITEMS: Mapping[str, Items] = {figure: _agent_items(figure) for figure in ag.AGENT_ITEMS}

# Report name -> its figures' drill-downs.
DRILLS: Mapping[str, Mapping[str, Items]] = {"queues": QUEUE_ITEMS, "agents": AGENT_ITEMS}


FIGURES = tuple(sorted({figure for drills in DRILLS.values() for figure in drills}))


def columns() -> tuple[Column, ...]:
    return (
        Column("call_id", "通话ID", "Call id", Kind.COUNT),
        Column("started_at", "开始时间", "Started", Kind.TIME),
        Column("caller", "主叫", "Caller", Kind.TEXT),
        Column("did", "被叫号码", "Number dialled", Kind.TEXT),
        Column("region", "归属地", "Region", Kind.TEXT),
        Column("queue", "队列", "Queue", Kind.TEXT),
        Column("entered_at", "进队时间", "Entered queue", Kind.TIME),
        Column("wait", "等待(秒)", "Wait (s)", Kind.SECONDS),
        Column("leg_outcome", "队列结果", "Queue outcome", Kind.TEXT, words=QUEUE_OUTCOMES),
        Column("outcome", "通话结果", "Call outcome", Kind.TEXT, words=CALL_OUTCOMES),
        Column("agents", "坐席", "Agents", Kind.TEXT),
        Column("talk", "通话(秒)", "Talk (s)", Kind.SECONDS),
        Column("recordings", "录音", "Recordings", Kind.COUNT),
    )


def _page(options: Mapping[str, str]) -> tuple[int, int]:
    try:
        limit = int(options.get("limit", PAGE))
        offset = int(options.get("offset", 0))
    except ValueError as err:
        raise ReportError("report 'detail': options limit and offset are whole numbers") from err
    if not (1 <= limit <= MAX_PAGE) or offset < 0:
        raise ReportError(f"report 'detail': limit is 1..{MAX_PAGE} and offset 0 or more")
    return limit, offset


def items_query(session: Session, req: ReportRequest) -> tuple[Select[Any], Where]:
    """The SELECT of the figure's items, and the interval they are confined to."""
    options = req.options
    report, figure = options.get("report", "queues"), options.get("figure", "")
    if req.audience.own_agent is not None and report != "agents":
        raise ReportError(f"report 'detail': the figures of {report!r} are not open to agents",
                          forbidden=True)  # fmt: skip
    drills = DRILLS.get(report)
    if drills is None:
        raise ReportError(f"report 'detail': option report must be one of {', '.join(DRILLS)}")
    items = drills.get(figure)
    if items is None:
        raise ReportError(
            f"report 'detail': figure {figure!r} of report {report!r} has no drill-down; "
            f"its figures are: {', '.join(drills)}"
        )
    try:
        key = parse_label(options.get("at", "total"), req.interval)
    except ValueError as err:
        raise ReportError(f"report 'detail': option at: {err}") from err
    shift = quarter_shift(req.window.tz, req.window.since)
    where = Where(key, req.interval, dialect_of(session), shift)
    row = options.get("row", "")
    seen = req.audience.queues
    if report == "queues" and row != qf.CENTER and seen is not None and row not in seen:
        # Refused, not an empty list: "no calls" would be a figure the reader may not see.
        raise ReportError(f"report 'detail': queue {row!r} is outside the queues you may see",
                          forbidden=True)  # fmt: skip
    return items(session, req, where, row), where


def run(session: Session, req: ReportRequest) -> Report:
    limit, offset = _page(req.options)
    query, where = items_query(session, req)
    if req.options.get("figure", "").startswith("callbacks_"):
        found = [r for r in session.execute(query) if where.holds(r.at, req.window.tz)]
        found.sort(key=lambda r: (r.at, r.item))
        total, page = len(found), found[offset : offset + limit]
    else:
        sub = query.subquery()
        total = session.scalar(select(func.count()).select_from(sub)) or 0
        page = session.execute(
            select(sub).order_by(sub.c.at, sub.c.item).limit(limit).offset(offset)
        ).all()
    rows = describe(session, [(r.call_id, r.leg_id) for r in page], req.window.tz)
    return Report(
        NAME,
        "通话明细",
        "Call detail",
        columns(),
        rows,
        params={**req.params(), "total": total, "limit": limit, "offset": offset},
        notes=(
            Note(
                "每行是该数字计入的一项:params.total 等于该数字",
                "one row per item the figure counts: params.total equals the figure",
            ),
        ),
    )


def describe(
    session: Session, items: list[tuple[int | None, int | None]], tz: Any
) -> list[dict[str, Any]]:
    """A row per (call, leg) item: the call, the leg's queue and wait, its agents."""
    call_ids = sorted({c for c, _ in items if c is not None})
    leg_ids = sorted({leg for _, leg in items if leg is not None})
    calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_(call_ids)))}
    legs = {
        leg.id: leg for leg in session.scalars(select(QueueLeg).where(QueueLeg.id.in_(leg_ids)))
    }
    agents: dict[int, list[str]] = {}
    talk: dict[int, float] = {}
    for h in session.scalars(
        select(Handling).where(Handling.call_id.in_(call_ids)).order_by(Handling.talk_start)
    ):
        names = agents.setdefault(h.call_id, [])
        if h.agent_code not in names:
            names.append(h.agent_code)
        if h.talk_end is not None:
            seconds = (h.talk_end - h.talk_start).total_seconds() - h.hold_ms / 1000
            talk[h.call_id] = talk.get(h.call_id, 0.0) + max(0.0, seconds)
    recordings = dict(
        session.execute(
            select(Recording.call_id, func.count())
            .where(Recording.call_id.in_(call_ids), Recording.deleted_at.is_(None))
            .group_by(Recording.call_id)
        ).all()
    )
    rows = []
    for call_id, leg_id in items:
        call = calls.get(call_id) if call_id is not None else None
        leg = legs.get(leg_id) if leg_id is not None else None
        rows.append(
            {
                "call_id": call_id,
                "started_at": _local(call.started_at, tz) if call else None,
                "caller": call.caller_number if call else None,
                "did": call.did if call else None,
                "region": call.region if call else None,
                "queue": leg.queue_name if leg else None,
                "entered_at": _local(leg.entered_at, tz) if leg else None,
                "wait": leg.wait_ms / 1000 if leg and leg.wait_ms is not None else None,
                "leg_outcome": leg.outcome if leg else None,
                "outcome": call.outcome if call else None,
                "agents": ",".join(agents.get(call_id, [])) if call_id else "",
                "talk": round(talk[call_id], 3) if call_id in talk else None,
                "recordings": int(recordings.get(call_id, 0)) if call_id else 0,
            }
        )
    return rows


def _local(at: dt.datetime, tz: Any) -> str:
    return at.astimezone(tz).isoformat(timespec="seconds")


def figures_of(report: str) -> Iterable[str]:
    return DRILLS.get(report, {}).keys()


SPEC = ReportSpec(
    name=NAME,
    zh="通话明细",
    en="Call detail",
    summary="drill-down: the calls behind one figure (options report, figure, row, at)",
    run=run,
    agent_may_see=True,
    intervals=True,
    options=(
        Option("report", "the report of the figure", ("queues", "agents"), "queues"),
        Option("figure", "the figure's column key, e.g. answered", FIGURES, required=True),
        Option("row", "the row: its queue, or its agent (agents); none: the center, all agents"),
        Option("at", "the interval's label as the report shows it (default: the window)"),
        Option("limit", f"rows per page, 1..{MAX_PAGE}", default=str(PAGE)),
        Option("offset", "rows to skip", default="0"),
    ),
)
