"""Inbound calls counted by outcome, per bucket and per some attribute of the call (its DID
and route, its IVR path, its region): the facts of the numbers, IVR and regions reports.

A call is counted once, in the bucket it *started* (``call.local_date``/``local_hour``),
with the outcome the tracker gave it (docs/history.md): answered and transferred count as
answered. A reader narrowed to queues counts only the calls that reached one of them. Waits
come from the calls' queue legs: the wait of each answered leg (ASA) and of each abandon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import case, false, func, select
from sqlalchemy.orm import Session

from controller.db.models import Call, QueueLeg
from controller.reports.calendar import Bucket, Interval, IntervalKey, interval_key
from controller.reports.queue_facts import FactQuery, bucket_columns
from controller.reports.result import Column, Kind, rounded
from controller.reports.service_level import mean_seconds, ratio
from controller.reports.sql import as_int

ANSWERED = ("answered", "transferred")
OUTCOMES = ("answered", "abandoned", "callback", "voicemail", "closed", "unanswered",
            "rejected", "busy", "failed")  # fmt: skip


@dataclass(slots=True)
class CallCounts:
    calls: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    answered_legs: int = 0
    wait_answered_ms: int = 0
    abandoned_legs: int = 0
    wait_abandoned_ms: int = 0

    def add(self, other: CallCounts) -> None:
        self.calls += other.calls
        for outcome, n in other.outcomes.items():
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + n
        for f in fields(self):
            if f.name not in ("calls", "outcomes"):
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def outcome(self, name: str) -> int:
        return self.outcomes.get(name, 0)


def call_window(q: FactQuery) -> list[Any]:
    where = [
        Call.local_date >= q.local_first,
        Call.local_date <= q.local_last,
        Call.started_at >= q.since,
        Call.started_at < q.until,
        Call.direction == "inbound",
    ]
    if q.queues is not None:
        reached = select(QueueLeg.call_id).where(
            QueueLeg.queue_name.in_(sorted(q.queues)) if q.queues else false()
        )
        where.append(Call.id.in_(reached))
    return where


def _outcome() -> Any:
    return case((Call.outcome.in_(ANSWERED), "answered"), else_=func.coalesce(Call.outcome, ""))


def _bucket(row: Any) -> Bucket:
    day = row.d if isinstance(row.d, dt.date) else dt.date.fromisoformat(str(row.d))
    return day, int(row.h), int(row.m)


def counts_by(
    session: Session, q: FactQuery, keys: Sequence[Any]
) -> dict[tuple[Bucket, tuple[Any, ...]], CallCounts]:
    """Per (bucket, values of ``keys``): calls by outcome and their queue waits."""
    columns, groups = bucket_columns(session, Call.started_at, Call.local_date, Call.local_hour, q)
    labelled = [key.label(f"k{n}") for n, key in enumerate(keys)]
    outcome = _outcome()
    found: dict[tuple[Bucket, tuple[Any, ...]], CallCounts] = {}

    def entry(row: Any) -> CallCounts:
        key = (_bucket(row), tuple(getattr(row, f"k{n}") for n in range(len(keys))))
        return found.setdefault(key, CallCounts())

    query = (
        select(*columns, *labelled, outcome.label("outcome"), func.count().label("n"))
        .where(*call_window(q))
        .group_by(*groups, *keys, outcome)
    )
    for row in session.execute(query):
        counts = entry(row)
        n = as_int(row.n)
        counts.calls += n
        counts.outcomes[row.outcome] = counts.outcomes.get(row.outcome, 0) + n
    answered = QueueLeg.outcome == "answered"
    abandoned = QueueLeg.outcome == "abandoned"
    wait = func.coalesce(QueueLeg.wait_ms, 0)
    query = (
        select(
            *columns, *labelled,
            func.sum(case((answered, 1), else_=0)).label("answered"),
            func.sum(case((answered, wait), else_=0)).label("wait_answered"),
            func.sum(case((abandoned, 1), else_=0)).label("abandoned"),
            func.sum(case((abandoned, wait), else_=0)).label("wait_abandoned"),
        )
        .select_from(Call)
        .join(QueueLeg, QueueLeg.call_id == Call.id)
        .where(*call_window(q))
        .group_by(*groups, *keys)
    )  # fmt: skip
    for row in session.execute(query):
        counts = entry(row)
        counts.answered_legs += as_int(row.answered)
        counts.wait_answered_ms += as_int(row.wait_answered)
        counts.abandoned_legs += as_int(row.abandoned)
        counts.wait_abandoned_ms += as_int(row.wait_abandoned)
    return found


def fold(
    found: dict[tuple[Bucket, tuple[Any, ...]], CallCounts],
    interval: Interval,
    key_of: Any = lambda values: values,
) -> dict[tuple[IntervalKey, Any], CallCounts]:
    """Into the report's intervals; ``key_of`` maps a row's key values to the report's key
    (several stored values may fold into one row: regions into provinces)."""
    folded: dict[tuple[IntervalKey, Any], CallCounts] = {}
    for (bucket, values), counts in found.items():
        key = (interval_key(bucket, interval), key_of(values))
        folded.setdefault(key, CallCounts()).add(counts)
    return folded


def outcome_columns() -> tuple[Column, ...]:
    c = Kind.COUNT
    return (
        Column("calls", "来电", "Calls", c, "inbound calls that started in the interval"),
        Column("answered", "接通", "Answered", c, "answered (transferred included)"),
        Column("abandoned", "放弃", "Abandoned", c, "hung up waiting in a queue"),
        Column("callback", "回拨", "Callback", c, "left a callback request"),
        Column("voicemail", "留言", "Voicemail", c),
        Column("closed", "非工作时间", "Closed", c),
        Column("unanswered", "未接", "Unanswered", c, "reached no one (timeout, no agents, IVR)"),
        Column("rejected", "拒接", "Rejected", c, "blacklisted"),
        Column("answer_rate", "接通率", "Answer rate", Kind.RATE, "answered ÷ calls"),
        Column(
            "asa", "平均应答时间", "ASA", Kind.SECONDS, "Σ wait of answered legs ÷ answered legs"
        ),
        Column("avg_wait_abandoned", "平均放弃等待", "Avg wait abandoned", Kind.SECONDS),
    )


def outcome_figures(c: CallCounts) -> dict[str, Any]:
    return {
        "calls": c.calls,
        "answered": c.outcome("answered"),
        "abandoned": c.outcome("abandoned"),
        "callback": c.outcome("callback"),
        "voicemail": c.outcome("voicemail"),
        "closed": c.outcome("closed"),
        "unanswered": c.outcome("unanswered"),
        "rejected": c.outcome("rejected"),
        "answer_rate": rounded(ratio(c.outcome("answered"), c.calls)),
        "asa": rounded(mean_seconds(c.wait_answered_ms, c.answered_legs), 3),
        "avg_wait_abandoned": rounded(mean_seconds(c.wait_abandoned_ms, c.abandoned_legs), 3),
    }
