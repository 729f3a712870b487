"""Satisfaction: post-call survey answers per queue or per agent (option ``by``), per interval.

A queue with a ``survey`` puts its question to the caller after the agent hangs up (the
caller hanging up first gets none); the caller answers with a key 1..scale, the higher the
better. Each survey is counted in the interval it was offered (the end of the agent's talk).

- offered = surveys put to callers; answered = those with a key pressed
- response rate = answered ÷ offered
- average = Σ score ÷ answered (on the survey's own scale; the agent report's satisfaction)
- satisfied = answers in the top two keys ÷ answered ("top-2-box": 4 or 5 of 1..5) — the
  share to compare between queues whose scales differ
- score 1 … score N = answers per key (N = the largest scale in the window)

Rows per interval: the total (``""``) of everything shown, then each queue or agent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controller.db.models import SurveyResponse
from controller.reports.calendar import IntervalKey, bucket_of, interval_key, intervals, label
from controller.reports.request import ReportRequest
from controller.reports.result import Chart, Column, Kind, Note, Report, rounded
from controller.reports.service_level import ratio
from controller.reports.spec import Option, ReportSpec
from controller.reports.sql import QUARTER_SECONDS, as_int, dialect_of, epoch_quarter

NAME = "satisfaction"
NONE = "(none)"  # an answer without a queue (a survey of one's own dialplan) or an agent
MIN_KEYS = 5  # score columns shown at least


@dataclass(slots=True)
class SurveyFacts:
    offered: int = 0
    answered: int = 0
    score_sum: int = 0
    top_two: int = 0
    per_key: dict[int, int] = field(default_factory=dict)

    def add(self, other: SurveyFacts) -> None:
        self.offered += other.offered
        self.answered += other.answered
        self.score_sum += other.score_sum
        self.top_two += other.top_two
        for key, n in other.per_key.items():
            self.per_key[key] = self.per_key.get(key, 0) + n


def columns(by: str, keys: int) -> tuple[Column, ...]:
    c, r = Kind.COUNT, Kind.RATE
    zh, en = ("队列", "Queue") if by == "queue" else ("坐席", "Agent")
    return (
        Column("interval", "时段", "Interval", Kind.TEXT),
        Column(by, zh, en, Kind.TEXT, "'' = all"),
        Column("offered", "邀评数", "Surveys offered", c, "after the agent hung up"),
        Column("answered", "评价数", "Answered", c, "a key pressed"),
        Column("response_rate", "参评率", "Response rate", r, "answered ÷ offered"),
        Column("average", "平均分", "Average score", Kind.NUMBER, "Σ score ÷ answered"),
        Column("satisfied", "满意率", "Satisfied", r, "top two keys ÷ answered"),
        *[Column(f"score_{k}", f"{k}分", f"Score {k}", c) for k in range(1, keys + 1)],
    )


def _where(req: ReportRequest, when: Any) -> list[Any]:
    where = [when >= req.window.since, when < req.window.until]
    selection = req.selection
    if selection.queues is not None:
        where.append(SurveyResponse.queue_name.in_(sorted(selection.queues)))
    if selection.agents is not None:
        where.append(SurveyResponse.agent_code.in_(sorted(selection.agents)))
    return where


def facts(
    session: Session, req: ReportRequest, by: str
) -> dict[tuple[IntervalKey, str], SurveyFacts]:
    r = SurveyResponse
    when = r.offered_at  # every row has it (migration 0011 filled it for older answers)
    quarter = epoch_quarter(dialect_of(session), when)
    dim = func.coalesce(r.queue_name if by == "queue" else r.agent_code, NONE)
    query = (
        select(quarter.label("eq"), dim.label("dim"), r.score, r.scale_max, func.count().label("n"))
        .where(*_where(req, when))
        .group_by(quarter, dim, r.score, r.scale_max)
    )
    found: dict[tuple[IntervalKey, str], SurveyFacts] = {}
    for row in session.execute(query):
        at = dt.datetime.fromtimestamp(int(row.eq) * QUARTER_SECONDS, dt.UTC)
        key = interval_key(bucket_of(at, req.window.tz, True), req.interval)
        n = as_int(row.n)
        f = SurveyFacts(offered=n)
        if row.score is not None:
            score = int(row.score)
            f.answered, f.score_sum = n, score * n
            f.top_two = n if score >= int(row.scale_max) - 1 else 0
            f.per_key = {score: n}
        for name in ("", row.dim):
            found.setdefault((key, name), SurveyFacts()).add(f)
    return found


def figures(f: SurveyFacts, keys: int) -> dict[str, Any]:
    return {
        "offered": f.offered,
        "answered": f.answered,
        "response_rate": rounded(ratio(f.answered, f.offered)),
        "average": rounded(ratio(f.score_sum, f.answered), 3),
        "satisfied": rounded(ratio(f.top_two, f.answered)),
        **{f"score_{k}": f.per_key.get(k, 0) for k in range(1, keys + 1)},
    }


def _names(found: Collection[tuple[IntervalKey, str]], chosen: frozenset[str] | None) -> list[str]:
    names = {name for _, name in found if name}
    return sorted(names | set(chosen or ()))


def run(session: Session, req: ReportRequest) -> Report:
    by = req.options.get("by", "queue")
    found = facts(session, req, by)
    keys = max([MIN_KEYS, *(k for f in found.values() for k in f.per_key)])
    selection = req.selection
    chosen = selection.queues if by == "queue" else selection.agents
    rows = []
    for key in intervals(req.window, req.interval):
        for name in ("", *_names(found, chosen)):
            f = found.get((key, name), SurveyFacts())
            rows.append({"interval": label(key, req.interval), by: name, **figures(f, keys)})
    return Report(
        NAME,
        "满意度",
        "Satisfaction",
        columns(by, keys),
        rows,
        params=req.params(),
        notes=(
            Note(
                "满意度调查计入其发起的时段(坐席挂机时);来电者按 1..满分 中的一个键,越高越满意",
                "a survey belongs to the interval it was offered (the agent hung up); the caller "
                "answers with a key 1..scale, the higher the better",
            ),
            Note(
                "满意率 = 按了最高两个键的回答 ÷ 回答数",
                "satisfied = answers in the top two keys of the survey's scale ÷ answered",
            ),
        ),
        chart=Chart("bar", "interval", ("average",), (by, "")),
    )


SPEC = ReportSpec(
    name=NAME,
    zh="满意度",
    en="Satisfaction",
    summary="post-call survey per queue or agent: offered, answered, average, distribution",
    run=run,
    agent_may_see=True,
    options=(Option("by", "group by queue or agent", ("queue", "agent"), "queue"),),
)
