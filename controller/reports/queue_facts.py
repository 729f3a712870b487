"""The counted facts behind the queue report, per queue and bucket: SQL only, no ratios.

Each count is the number of rows meeting one *condition*; the conditions are named and the
drill-down (:mod:`controller.reports.detail`) selects the rows meeting the same condition, so
a figure and the calls behind it can never disagree.

Per queue, the counted row is the **queue leg** (one stay in one queue), attributed to the
bucket it *entered*; thresholds are those in force when it entered (thresholds.py).
For the whole center (queue ``""``) the counted row is the **call** (a call through several
queues once, QueueMetrics' multi-stint view), attributed to the bucket of its first leg:

- answered: one of its legs was answered (an agent took it; a later transfer does not undo it);
- its wait: the sum of the waits of all its legs;
- T and S: those of the queue it entered first;
- abandoned / exits: when unanswered, the outcome of its last leg.

Talk, hold and after-call work are counted per **handling** (one agent's work on the call)
linked to a leg, in the leg's bucket; the center's are the sum of its queues'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import Select, and_, case, false, func, literal_column, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from controller.db.models import Call, CallbackAttempt, CallbackRequest, Handling, QueueLeg
from controller.reports.calendar import Bucket, bucket_of, quarter_shift
from controller.reports.sql import as_int, dialect_of, local_quarter, ms_between
from controller.reports.thresholds import Thresholds

CENTER = ""  # the queue name of the whole center's figures

NO_AGENTS = ("exit_empty", "refused_empty", "refused_unavailable")


@dataclass(slots=True)
class QueueFacts:
    """Additive facts of one queue (or the center) in one bucket or interval."""

    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0  # answered with wait ≤ T
    abandoned: int = 0  # caller hung up while waiting, after more than S
    short_abandoned: int = 0  # ... within S (shown apart, kept out of rates)
    abandoned_in_sl: int = 0  # every abandon with wait ≤ T (short ones included)
    timeout: int = 0
    exit_key: int = 0  # left with a menu key (callback, voicemail ...)
    no_agents: int = 0  # no agent logged in or reachable: left or refused at the door
    full: int = 0  # refused: the queue was full
    withdrawn: int = 0
    transferred: int = 0  # answered, then transferred by the agent
    closed: int = 0  # center only: arrived while closed, reached no queue
    wait_answered_ms: int = 0
    max_wait_answered_ms: int = 0
    wait_abandoned_ms: int = 0  # of the abandons counted in `abandoned`
    max_wait_abandoned_ms: int = 0
    handled: int = 0  # handlings (one agent's work on the call) of answered legs
    talk_ms: int = 0  # without hold
    hold_ms: int = 0
    acw_ms: int = 0
    callbacks_requested: int = 0
    callbacks_placed: int = 0  # at least one dial attempt
    callbacks_answered: int = 0  # the customer answered an attempt
    sl_seconds: int = 0  # the threshold (largest seen in the bucket; informative)

    def add(self, other: QueueFacts) -> None:
        for name in _SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in _LARGEST:
            setattr(self, name, max(getattr(self, name), getattr(other, name)))


# Which facts add up and which keep the largest (a report adds up thousands of buckets).
_LARGEST = (*[f.name for f in fields(QueueFacts) if f.name.startswith("max_")], "sl_seconds")
_SUMMED = tuple(f.name for f in fields(QueueFacts) if f.name not in _LARGEST)


COUNTS = (
    "offered",
    "answered",
    "answered_in_sl",
    "abandoned",
    "short_abandoned",
    "abandoned_in_sl",
    "timeout",
    "exit_key",
    "no_agents",
    "full",
    "withdrawn",
    "transferred",
)


@dataclass(frozen=True, slots=True)
class LegTerms:
    """The per-row values the conditions are written in: a leg's, or a call's (center)."""

    outcome: Any  # the leg's outcome; for a call, its last leg's
    answered: ColumnElement[bool]
    wait: Any  # ms
    transferred: Any  # count of transferred legs (0/1 per leg)
    sl_ms: Any
    short_ms: Any


def conditions(t: LegTerms) -> dict[str, ColumnElement[bool]]:
    """Each counted figure as a condition on one row."""
    unanswered = ~t.answered
    abandon = and_(unanswered, t.outcome == "abandoned")
    return {
        "offered": true(),
        "answered": t.answered,
        "answered_in_sl": and_(t.answered, t.wait <= t.sl_ms),
        "abandoned": and_(abandon, t.wait > t.short_ms),
        "short_abandoned": and_(abandon, t.wait <= t.short_ms),
        "abandoned_in_sl": and_(abandon, t.wait <= t.sl_ms),
        "timeout": and_(unanswered, t.outcome == "timeout"),
        "exit_key": and_(unanswered, t.outcome == "exit_key"),
        "no_agents": and_(unanswered, t.outcome.in_(NO_AGENTS)),
        "full": and_(unanswered, t.outcome == "refused_full"),
        "withdrawn": and_(unanswered, t.outcome == "withdrawn"),
        "transferred": and_(t.answered, t.transferred > 0),
    }


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


@dataclass(frozen=True, slots=True)
class FactQuery:
    """What a facts query needs besides the session."""

    since: dt.datetime
    until: dt.datetime
    tz: Any  # ZoneInfo
    queues: frozenset[str] | None  # None: every queue
    quarters: bool  # group by the quarter of the hour too
    thresholds: Thresholds
    local_first: dt.date = field(init=False)
    local_last: dt.date = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "local_first", self.since.astimezone(self.tz).date())
        last = (self.until - dt.timedelta(microseconds=1)).astimezone(self.tz).date()
        object.__setattr__(self, "local_last", last)


def leg_terms(leg: Any, thresholds: Thresholds) -> LegTerms:
    return LegTerms(
        outcome=leg.outcome,
        answered=leg.outcome == "answered",
        wait=func.coalesce(leg.wait_ms, 0),
        transferred=_flag(leg.completed_by == "transfer"),
        sl_ms=thresholds.sl_ms(leg.queue_name, leg.entered_at),
        short_ms=thresholds.short_ms(leg.queue_name, leg.entered_at),
    )


def leg_window(leg: Any, q: FactQuery, *, margin: dt.timedelta | None = None) -> list[Any]:
    """Legs entered in the window (the local-date bounds let the indexes be used)."""
    since = q.since - margin if margin else q.since
    first = since.astimezone(q.tz).date()
    where = [
        leg.local_date >= first,
        leg.local_date <= q.local_last,
        leg.entered_at >= since,
        leg.entered_at < q.until,
    ]
    if q.queues is not None:
        where.append(leg.queue_name.in_(sorted(q.queues)) if q.queues else false())
    return where


def bucket_columns(
    session: Session, at: Any, local_date: Any, local_hour: Any, q: FactQuery
) -> tuple[list[ColumnElement[Any]], list[ColumnElement[Any]]]:
    """(columns d, h, m to select, expressions to group by) of a row's bucket."""
    if not q.quarters:
        return [local_date.label("d"), local_hour.label("h"), literal_column("0").label("m")], [
            local_date,
            local_hour,
        ]
    quarter = local_quarter(dialect_of(session), at, quarter_shift(q.tz, q.since))
    return [local_date.label("d"), local_hour.label("h"), quarter.label("m")], [
        local_date,
        local_hour,
        quarter,
    ]


def leg_buckets(
    session: Session, leg: Any, q: FactQuery
) -> tuple[list[ColumnElement[Any]], list[ColumnElement[Any]]]:
    return bucket_columns(session, leg.entered_at, leg.local_date, leg.local_hour, q)


def _bucket(row: Any) -> Bucket:
    day = row.d if isinstance(row.d, dt.date) else dt.date.fromisoformat(str(row.d))
    return day, int(row.h), int(row.m)


FactKey = tuple[str, Bucket]


def _count_columns(t: LegTerms) -> list[ColumnElement[Any]]:
    conds = conditions(t)
    cols: list[ColumnElement[Any]] = [func.count().label("offered")]
    cols += [func.sum(_flag(conds[name])).label(name) for name in COUNTS[1:]]
    wait_answered = case((conds["answered"], t.wait), else_=0)
    wait_abandoned = case((conds["abandoned"], t.wait), else_=0)
    cols += [
        func.sum(wait_answered).label("wait_answered_ms"),
        func.max(wait_answered).label("max_wait_answered_ms"),
        func.sum(wait_abandoned).label("wait_abandoned_ms"),
        func.max(wait_abandoned).label("max_wait_abandoned_ms"),
        func.max(t.sl_ms).label("sl_ms"),
    ]
    return cols


def _facts_of(row: Any) -> QueueFacts:
    facts = QueueFacts()
    for name in (*COUNTS, "wait_answered_ms", "max_wait_answered_ms", "wait_abandoned_ms",
                 "max_wait_abandoned_ms"):  # fmt: skip
        setattr(facts, name, as_int(getattr(row, name)))
    facts.sl_seconds = as_int(row.sl_ms) // 1000
    return facts


def queue_leg_facts(session: Session, q: FactQuery) -> dict[FactKey, QueueFacts]:
    """Per (queue, bucket): the leg counts and waits."""
    leg = QueueLeg
    columns, groups = leg_buckets(session, leg, q)
    terms = leg_terms(leg, q.thresholds)
    query = (
        select(leg.queue_name.label("queue"), *columns, *_count_columns(terms))
        .where(*leg_window(leg, q))
        .group_by(leg.queue_name, *groups)
    )
    return {(row.queue, _bucket(row)): _facts_of(row) for row in session.execute(query)}


# -- the center: one row per call ----------------------------------------------------------


def center_calls(q: FactQuery) -> Any:
    """Per call with legs in the selected queues: its first and last leg, whether one of
    them was answered, the sum of their waits and of their transfers."""
    leg = QueueLeg
    return (
        select(
            leg.call_id.label("call_id"),
            func.min(leg.id).label("first_id"),
            func.max(leg.id).label("last_id"),
            func.max(_flag(leg.outcome == "answered")).label("answered"),
            func.sum(func.coalesce(leg.wait_ms, 0)).label("wait"),
            func.sum(_flag(leg.completed_by == "transfer")).label("transferred"),
        )
        .where(*leg_window(leg, q, margin=dt.timedelta(days=1)))
        .group_by(leg.call_id)
        .subquery("per_call")
    )


def center_from(q: FactQuery) -> tuple[Any, Any, Any, LegTerms]:
    """(per-call subquery, first leg, last leg, terms) for center queries."""
    per_call = center_calls(q)
    first, last = aliased(QueueLeg, name="first_leg"), aliased(QueueLeg, name="last_leg")
    terms = LegTerms(
        outcome=last.outcome,
        answered=per_call.c.answered == 1,
        wait=per_call.c.wait,
        transferred=per_call.c.transferred,
        sl_ms=q.thresholds.sl_ms(first.queue_name, first.entered_at),
        short_ms=q.thresholds.short_ms(first.queue_name, first.entered_at),
    )
    return per_call, first, last, terms


def center_select(
    q: FactQuery, parts: tuple[Any, Any, Any, LegTerms], *columns: Any
) -> Select[Any]:
    """SELECT ``columns`` over the per-call rows of :func:`center_from` (``parts``), the
    call counted where its first leg is inside the window."""
    per_call, first, last, _ = parts
    return (
        select(*columns)
        .select_from(per_call)
        .join(first, first.id == per_call.c.first_id)
        .join(last, last.id == per_call.c.last_id)
        .where(first.entered_at >= q.since)
    )


def center_leg_facts(session: Session, q: FactQuery) -> dict[Bucket, QueueFacts]:
    parts = center_from(q)
    first, terms = parts[1], parts[3]
    columns, groups = leg_buckets(session, first, q)
    query = center_select(q, parts, *columns, *_count_columns(terms)).group_by(*groups)
    return {_bucket(row): _facts_of(row) for row in session.execute(query)}


def closed_condition(q: FactQuery) -> list[Any]:
    """Inbound calls that arrived while closed and reached no queue (center only)."""
    return [
        Call.local_date >= q.local_first,
        Call.local_date <= q.local_last,
        Call.started_at >= q.since,
        Call.started_at < q.until,
        Call.outcome == "closed",
    ]


def closed_facts(session: Session, q: FactQuery) -> dict[Bucket, int]:
    columns, groups = bucket_columns(session, Call.started_at, Call.local_date, Call.local_hour, q)
    query = select(*columns, func.count().label("n")).where(*closed_condition(q)).group_by(*groups)
    return {_bucket(row): int(row.n) for row in session.execute(query)}


# -- handlings: talk, hold, after-call work ------------------------------------------------


def handling_terms(dialect: str) -> dict[str, ColumnElement[int]]:
    talk = ms_between(dialect, Handling.talk_start, Handling.talk_end) - Handling.hold_ms
    return {
        "talk_ms": func.coalesce(case((talk < 0, 0), else_=talk), 0),
        "hold_ms": func.coalesce(Handling.hold_ms, 0),
        "acw_ms": func.coalesce(ms_between(dialect, Handling.acw_start, Handling.acw_end), 0),
    }


def handling_facts(session: Session, q: FactQuery) -> dict[FactKey, QueueFacts]:
    leg = QueueLeg
    columns, groups = leg_buckets(session, leg, q)
    terms = handling_terms(dialect_of(session))
    query = (
        select(
            leg.queue_name.label("queue"),
            *columns,
            func.count(Handling.id).label("handled"),
            *[func.sum(expr).label(name) for name, expr in terms.items()],
        )
        .select_from(Handling)
        .join(leg, Handling.leg_id == leg.id)
        .where(*leg_window(leg, q))
        .group_by(leg.queue_name, *groups)
    )
    found = {}
    for row in session.execute(query):
        found[(row.queue, _bucket(row))] = QueueFacts(
            handled=as_int(row.handled),
            talk_ms=as_int(row.talk_ms),
            hold_ms=as_int(row.hold_ms),
            acw_ms=as_int(row.acw_ms),
        )
    return found


# -- callbacks ------------------------------------------------------------------------------


def callback_window(q: FactQuery) -> list[Any]:
    where = [CallbackRequest.requested_at >= q.since, CallbackRequest.requested_at < q.until]
    if q.queues is not None:
        where.append(CallbackRequest.queue_name.in_(sorted(q.queues)) if q.queues else false())
    return where


def callback_answered() -> ColumnElement[bool]:
    return (
        select(CallbackAttempt.id)
        .where(
            CallbackAttempt.request_id == CallbackRequest.id, CallbackAttempt.result == "answered"
        )
        .exists()
    )


CALLBACK_CONDITIONS: Mapping[str, Callable[[], ColumnElement[bool]]] = {
    "callbacks_requested": lambda: true(),
    "callbacks_placed": lambda: CallbackRequest.attempts > 0,
    "callbacks_answered": callback_answered,
}


def callback_facts(session: Session, q: FactQuery) -> dict[FactKey, QueueFacts]:
    """Callback requests, counted in the bucket the caller asked (left the queue)."""
    query = select(
        CallbackRequest.queue_name,
        CallbackRequest.requested_at,
        *[_flag(cond()).label(name) for name, cond in CALLBACK_CONDITIONS.items()],
    ).where(*callback_window(q))
    found: dict[FactKey, QueueFacts] = {}
    for row in session.execute(query):
        key = (row.queue_name, bucket_of(row.requested_at, q.tz, q.quarters))
        facts = found.setdefault(key, QueueFacts())
        for name in CALLBACK_CONDITIONS:
            setattr(facts, name, getattr(facts, name) + int(getattr(row, name)))
    return found


def all_facts(
    session: Session, q: FactQuery, *, callbacks: bool = True
) -> dict[FactKey, QueueFacts]:
    """Every fact per (queue, bucket), the center under queue ``""`` (its talk, hold, ACW
    and callbacks are the sum of its queues'; "closed" only for a reader of every queue)."""
    merged: dict[FactKey, QueueFacts] = {}

    def merge(key: FactKey, facts: QueueFacts) -> None:
        merged.setdefault(key, QueueFacts()).add(facts)

    for key, facts in queue_leg_facts(session, q).items():
        merge(key, facts)
    for bucket, facts in center_leg_facts(session, q).items():
        merge((CENTER, bucket), facts)
    shared = [*handling_facts(session, q).items()]
    if callbacks:
        shared += callback_facts(session, q).items()
    for key, facts in shared:
        merge(key, facts)
        merge((CENTER, key[1]), QueueFacts(
            handled=facts.handled, talk_ms=facts.talk_ms, hold_ms=facts.hold_ms,
            acw_ms=facts.acw_ms, callbacks_requested=facts.callbacks_requested,
            callbacks_placed=facts.callbacks_placed, callbacks_answered=facts.callbacks_answered,
        ))  # fmt: skip
    if q.queues is None:
        for bucket, count in closed_facts(session, q).items():
            merge((CENTER, bucket), QueueFacts(closed=count))
    return merged


def queues_in(facts: Mapping[FactKey, QueueFacts], chosen: Collection[str] | None) -> list[str]:
    names = {queue for queue, _ in facts if queue != CENTER}
    if chosen is not None:
        names |= set(chosen)
    return sorted(names)
