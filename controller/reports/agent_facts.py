"""The counted facts behind the agent report, per agent and bucket: SQL and splitting only.

- **State time** comes from ``agent_state_interval`` (one span of one agent in one state:
  ready, ringing, on_call, acw, paused with a reason). A span is cut at bucket edges, so an
  agent logged in across midnight has their time on both days. A span still open counts up
  to the end of the window or now, whichever is first. Spans are looked up from
  :data:`LOOKBACK` before the window (a single state longer than that is counted from there).
- **Calls** come from ``handling`` (one agent's work on one call), counted where the talk
  *started*: handled, talk (without hold), hold, after-call work; **transfers received** are
  handlings that began after another agent transferred the call to them.
- **Missed rings**: rings at the agent the agent did not answer (``agent_attempt`` result
  ``no_answer``), where the ring started; **transfers made**: transfers out of the agent's
  handling that did not fail, where they happened.
- **Satisfaction**: post-call survey answers about the agent, where they were given.

Rows without a frozen local date are grouped per UTC quarter hour in SQL and folded into
local buckets in Python (sql.epoch_quarter), so every database adds the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from controller.db.models import (
    AgentAttempt,
    AgentStateInterval,
    Handling,
    QueueLeg,
    SurveyResponse,
    Transfer,
)
from controller.reports.calendar import Bucket, bucket_of
from controller.reports.queue_facts import handling_terms
from controller.reports.sql import QUARTER_SECONDS, as_int, dialect_of, epoch_quarter

LOOKBACK = dt.timedelta(hours=48)
ALL_AGENTS = ""  # the row of every agent together

STATES = ("ready", "ringing", "on_call", "acw", "paused")


@dataclass(slots=True)
class AgentFacts:
    state_ms: dict[tuple[str, str], int] = field(default_factory=dict)  # (state, reason)
    handled: int = 0
    talk_ms: int = 0
    hold_ms: int = 0
    acw_ms: int = 0
    transfers_received: int = 0
    missed: int = 0
    transfers_made: int = 0
    surveys: int = 0
    survey_score: int = 0  # the sum of the scores

    def add(self, other: AgentFacts) -> None:
        # Written out, not a loop over the field names: a month's report adds thousands.
        mine = self.state_ms
        for key, ms in other.state_ms.items():
            mine[key] = mine.get(key, 0) + ms
        self.handled += other.handled
        self.talk_ms += other.talk_ms
        self.hold_ms += other.hold_ms
        self.acw_ms += other.acw_ms
        self.transfers_received += other.transfers_received
        self.missed += other.missed
        self.transfers_made += other.transfers_made
        self.surveys += other.surveys
        self.survey_score += other.survey_score

    def state(self, state: str) -> int:
        return sum(ms for (s, _), ms in self.state_ms.items() if s == state)


AgentKey = tuple[str, Bucket]


@dataclass(frozen=True, slots=True)
class AgentQuery:
    since: dt.datetime
    until: dt.datetime
    tz: Any  # ZoneInfo
    agents: frozenset[str] | None  # None: every agent
    quarters: bool
    now: dt.datetime  # open spans count up to here


def _agents(column: Any, q: AgentQuery) -> list[ColumnElement[bool]]:
    if q.agents is None:
        return []
    return [column.in_(sorted(q.agents)) if q.agents else false()]


def _bucket_of_quarter(number: int, q: AgentQuery) -> Bucket:
    return bucket_of(dt.datetime.fromtimestamp(int(number) * QUARTER_SECONDS, dt.UTC), q.tz,
                     q.quarters)  # fmt: skip


# -- state time --------------------------------------------------------------------------


def split(
    start: dt.datetime, end: dt.datetime, tz: Any, quarters: bool
) -> list[tuple[Bucket, int]]:
    """A span cut at the edges of local buckets (hours, or quarters): (bucket, ms) pieces."""
    pieces: list[tuple[Bucket, int]] = []
    step = 900 if quarters else 3600
    at = start
    while at < end:
        # The next edge: every zone's offset is a multiple of 15 minutes, so local hour and
        # quarter edges are UTC quarter edges.
        epoch = at.timestamp()
        edge = dt.datetime.fromtimestamp((epoch // 900 + 1) * 900, dt.UTC)
        if step == 3600:
            while bucket_of(edge, tz, False) == bucket_of(at, tz, False) and edge < end:
                edge += dt.timedelta(seconds=900)
        stop = min(edge, end)
        ms = round((stop - at).total_seconds() * 1000)
        if ms:
            pieces.append((bucket_of(at, tz, quarters), ms))
        at = stop
    return pieces


def state_spans_query(q: AgentQuery) -> Select[Any]:
    asi = AgentStateInterval
    return select(asi.agent_code, asi.state, asi.reason_code, asi.started_at, asi.ended_at).where(
        asi.started_at >= q.since - LOOKBACK,
        asi.started_at < q.until,
        or_(asi.ended_at.is_(None), asi.ended_at > q.since),
        *_agents(asi.agent_code, q),
    )


def state_facts(session: Session, q: AgentQuery) -> dict[AgentKey, AgentFacts]:
    found: dict[AgentKey, AgentFacts] = {}
    end_open = min(q.until, max(q.now, q.since))
    for agent, state, reason, started, ended in session.execute(state_spans_query(q)):
        start = max(started, q.since)
        end = min(ended if ended is not None else end_open, q.until)
        for bucket, ms in split(start, end, q.tz, q.quarters):
            facts = found.setdefault((agent, bucket), AgentFacts())
            key = (str(state), reason or "") if state == "paused" else (str(state), "")
            facts.state_ms[key] = facts.state_ms.get(key, 0) + ms
    return found


# -- calls ---------------------------------------------------------------------------------


def received_condition() -> ColumnElement[bool]:
    """A handling that began after another agent transferred its call."""
    h0 = aliased(Handling)
    return (
        select(Transfer.id)
        .join(h0, h0.id == Transfer.from_handling_id)
        .where(
            Transfer.call_id == Handling.call_id,
            h0.agent_code != Handling.agent_code,
            Transfer.at <= Handling.talk_start,
            Transfer.result != "failed",
        )
        .exists()
    )


def handling_window(q: AgentQuery) -> list[Any]:
    first = (q.since - dt.timedelta(days=1)).astimezone(q.tz).date()
    last = q.until.astimezone(q.tz).date()
    return [
        Handling.local_date >= first,
        Handling.local_date <= last,
        Handling.talk_start >= q.since,
        Handling.talk_start < q.until,
        *_agents(Handling.agent_code, q),
    ]


def missed_window(q: AgentQuery) -> list[Any]:
    return [
        AgentAttempt.rang_at >= q.since,
        AgentAttempt.rang_at < q.until,
        AgentAttempt.result == "no_answer",
        *_agents(AgentAttempt.agent_code, q),
    ]


def made_from() -> Any:
    return aliased(Handling, name="transferer")


def made_window(q: AgentQuery, h0: Any) -> list[Any]:
    return [
        Transfer.at >= q.since,
        Transfer.at < q.until,
        Transfer.result != "failed",
        *_agents(h0.agent_code, q),
    ]


def call_facts(
    session: Session, q: AgentQuery, *, surveys: bool = True
) -> dict[AgentKey, AgentFacts]:
    dialect = dialect_of(session)
    found: dict[AgentKey, AgentFacts] = {}

    def facts(agent: str, quarter: int) -> AgentFacts:
        return found.setdefault((agent, _bucket_of_quarter(quarter, q)), AgentFacts())

    eq = epoch_quarter(dialect, Handling.talk_start)
    terms = handling_terms(dialect)
    query = (
        select(
            Handling.agent_code, eq.label("eq"), func.count().label("n"),
            *[func.sum(expr).label(name) for name, expr in terms.items()],
            func.sum(func.coalesce(_case(received_condition()), 0)).label("received"),
        )
        .where(*handling_window(q))
        .group_by(Handling.agent_code, eq)
    )  # fmt: skip
    for row in session.execute(query):
        f = facts(row.agent_code, row.eq)
        f.handled += as_int(row.n)
        f.talk_ms += as_int(row.talk_ms)
        f.hold_ms += as_int(row.hold_ms)
        f.acw_ms += as_int(row.acw_ms)
        f.transfers_received += as_int(row.received)
    eq = epoch_quarter(dialect, AgentAttempt.rang_at)
    query = (
        select(AgentAttempt.agent_code, eq.label("eq"), func.count().label("n"))
        .where(*missed_window(q))
        .group_by(AgentAttempt.agent_code, eq)
    )
    for row in session.execute(query):
        facts(row.agent_code, row.eq).missed += as_int(row.n)
    h0 = made_from()
    eq = epoch_quarter(dialect, Transfer.at)
    query = (
        select(h0.agent_code, eq.label("eq"), func.count().label("n"))
        .select_from(Transfer)
        .join(h0, h0.id == Transfer.from_handling_id)
        .where(*made_window(q, h0))
        .group_by(h0.agent_code, eq)
    )
    for row in session.execute(query):
        facts(row.agent_code, row.eq).transfers_made += as_int(row.n)
    if surveys:
        for key, f in survey_facts(session, q).items():
            found.setdefault(key, AgentFacts()).add(f)
    return found


def survey_facts(session: Session, q: AgentQuery) -> dict[AgentKey, AgentFacts]:
    """Post-call survey answers about each agent, where they were answered."""
    eq = epoch_quarter(dialect_of(session), SurveyResponse.answered_at)
    query = (
        select(SurveyResponse.agent_code, eq.label("eq"), func.count().label("n"),
               func.sum(SurveyResponse.score).label("score"))
        .where(SurveyResponse.answered_at >= q.since, SurveyResponse.answered_at < q.until,
               SurveyResponse.score.is_not(None), SurveyResponse.agent_code.is_not(None),
               *_agents(SurveyResponse.agent_code, q))
        .group_by(SurveyResponse.agent_code, eq)
    )  # fmt: skip
    found: dict[AgentKey, AgentFacts] = {}
    for row in session.execute(query):
        f = found.setdefault((row.agent_code, _bucket_of_quarter(row.eq, q)), AgentFacts())
        f.surveys += as_int(row.n)
        f.survey_score += as_int(row.score)
    return found


def _case(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def all_agent_facts(session: Session, q: AgentQuery) -> dict[AgentKey, AgentFacts]:
    merged: dict[AgentKey, AgentFacts] = {}
    for part in (state_facts(session, q), call_facts(session, q)):
        for key, facts in part.items():
            merged.setdefault(key, AgentFacts()).add(facts)
    return merged


# -- drill-down items: (call_id, leg_id, at, item) ------------------------------------------

AgentItems = Callable[[AgentQuery, str, list[tuple[dt.datetime, dt.datetime]]], Select[Any]]


def _in_ranges(column: Any, ranges: list[tuple[dt.datetime, dt.datetime]]) -> ColumnElement[bool]:
    return or_(*[and_(column >= start, column < end) for start, end in ranges])


def _handled_items(received: bool) -> AgentItems:
    def items(
        q: AgentQuery, agent: str, ranges: list[tuple[dt.datetime, dt.datetime]]
    ) -> Select[Any]:
        return select(
            Handling.call_id.label("call_id"), Handling.leg_id.label("leg_id"),
            Handling.talk_start.label("at"), Handling.id.label("item"),
        ).where(
            *handling_window(q), *([Handling.agent_code == agent] if agent else []),
            _in_ranges(Handling.talk_start, ranges),
            *([received_condition()] if received else []),
        )  # fmt: skip

    return items


def _missed_items(
    q: AgentQuery, agent: str, ranges: list[tuple[dt.datetime, dt.datetime]]
) -> Select[Any]:
    return (
        select(QueueLeg.call_id.label("call_id"), AgentAttempt.leg_id.label("leg_id"),
               AgentAttempt.rang_at.label("at"), AgentAttempt.id.label("item"))
        .join(QueueLeg, QueueLeg.id == AgentAttempt.leg_id)
        .where(*missed_window(q), *([AgentAttempt.agent_code == agent] if agent else []),
               _in_ranges(AgentAttempt.rang_at, ranges))
    )  # fmt: skip


def _made_items(
    q: AgentQuery, agent: str, ranges: list[tuple[dt.datetime, dt.datetime]]
) -> Select[Any]:
    h0 = made_from()
    return (
        select(Transfer.call_id.label("call_id"), h0.leg_id.label("leg_id"),
               Transfer.at.label("at"), Transfer.id.label("item"))
        .select_from(Transfer)
        .join(h0, h0.id == Transfer.from_handling_id)
        .where(*made_window(q, h0), *([h0.agent_code == agent] if agent else []),
               _in_ranges(Transfer.at, ranges))
    )  # fmt: skip


AGENT_ITEMS: Mapping[str, AgentItems] = {
    "handled": _handled_items(False),
    "transfers_received": _handled_items(True),
    "missed": _missed_items,
    "transfers_made": _made_items,
}
