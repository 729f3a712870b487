"""Calls per number dialled (DID) and inbound route, per interval.

Counted per inbound call, in the interval it started, by its outcome (call_facts.py):
calls, answered (transferred included), abandoned, callback, voicemail, closed, unanswered,
rejected; answer rate = answered ÷ calls; ASA and average wait to abandon from the calls'
queue legs. The row with DID and route ``""`` is every number together. The route is the
inbound route that took the call (stored since schema 0013; older calls show none).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from controller.db.models import Call
from controller.reports.calendar import intervals, label
from controller.reports.call_facts import (
    CallCounts,
    counts_by,
    fold,
    outcome_columns,
    outcome_figures,
)
from controller.reports.queues import fact_query
from controller.reports.request import ReportRequest
from controller.reports.result import Chart, Column, Kind, Note, Report
from controller.reports.spec import ReportSpec

NAME = "numbers"
ALL = ("", "")


def run(session: Session, req: ReportRequest) -> Report:
    q = fact_query(session, req)
    found = counts_by(session, q, [Call.did, Call.route])
    folded = fold(found, req.interval, lambda v: (v[0] or "-", v[1] or "-"))
    totals = fold(found, req.interval, lambda _v: ALL)
    keys = sorted({k for _, k in folded if k != ALL})
    rows = []
    for interval in intervals(req.window, req.interval):
        for did, route in (ALL, *keys):
            source = totals if (did, route) == ALL else folded
            counts = source.get((interval, (did, route)), CallCounts())
            rows.append({"interval": label(interval, req.interval), "did": did, "route": route,
                         **outcome_figures(counts)})  # fmt: skip
    return Report(
        NAME, "号码与路由", "Numbers and routes",
        (Column("interval", "时段", "Interval", Kind.TEXT),
         Column("did", "号码", "Number (DID)", Kind.TEXT, "'' = every number"),
         Column("route", "路由", "Route", Kind.TEXT), *outcome_columns()),
        rows, params=req.params(),
        notes=(Note("通话计入其开始的时段;接通包括已转接",
                    "a call belongs to the interval it started; answered includes transferred"),),
        chart=Chart("bar", "did", ("calls", "answered")),
    )  # fmt: skip


SPEC = ReportSpec(
    name=NAME,
    zh="号码与路由",
    en="Numbers and routes",
    summary="per number dialled (DID) and inbound route: calls by outcome, answer rate, waits",
    run=run,
)
