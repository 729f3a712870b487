"""Queue performance per interval: volume, outcomes, service level, waits, handling time.

Counted per queue leg (a stay in one queue) in the interval it *entered*, and once per call
for the whole center (queue ``""``, listed first in each interval; see queue_facts.py).

- offered = legs that entered the queue, or were refused at its door (full, no agents)
- answered = legs an agent answered; abandoned = caller hung up after more than S seconds;
  short abandoned = hung up within S (shown apart, left out of the rates)
- exits: timeout, key (callback, voicemail ...), no agents (left empty or refused),
  full, withdrawn; closed (center only: arrived while closed, reached no queue)
- answer rate = answered ÷ offered; abandon rate = abandoned ÷ (offered − short abandoned)
- service level: the variant chosen (default E; service_level.py lists A–E), with T of the
  queue in force when the leg entered
- ASA = Σ wait of answered ÷ answered; longest wait to answer; average and longest wait
  to abandon (of the abandons counted, short ones apart)
- AHT = (talk + hold + after-call work) ÷ handled, per handling (one agent's work on a call
  that came through this queue); talk excludes hold
- callbacks requested (in the interval the caller asked), placed (dialled at least once),
  answered (the customer answered an attempt); transfers out = answered legs the agent
  transferred
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from controller.reports import rollup
from controller.reports.calendar import Interval, IntervalKey, interval_key, intervals, label
from controller.reports.queue_facts import CENTER, FactKey, FactQuery, QueueFacts
from controller.reports.request import ReportRequest
from controller.reports.result import Chart, Column, Kind, Note, Report, rounded
from controller.reports.service_level import FORMULAS, SlCounts, Variant, mean_seconds, ratio
from controller.reports.service_level import service_level as sl_value
from controller.reports.spec import ReportSpec
from controller.reports.thresholds import Thresholds
from controller.reports.words import formula

NAME = "queues"


def columns(variant: Variant) -> tuple[Column, ...]:
    c, s, r = Kind.COUNT, Kind.SECONDS, Kind.RATE
    return (
        Column("interval", "时段", "Interval", Kind.TEXT),
        Column("queue", "队列", "Queue", Kind.TEXT, "'' = whole center, each call once"),
        Column("offered", "呼入量", "Offered", c, "legs entered or refused", drill=True),
        Column("answered", "接通", "Answered", c, "answered by an agent", drill=True),
        Column("abandoned", "放弃", "Abandoned", c, "caller hung up, wait > S", drill=True),
        Column("short_abandoned", "短时放弃", "Short abandons", c, "wait ≤ S", drill=True),
        Column("timeout", "超时转出", "Timeouts", c, drill=True),
        Column("exit_key", "按键离开", "Left by key", c, drill=True),
        Column("no_agents", "无坐席", "No agents", c, "left empty or refused", drill=True),
        Column("full", "队列满", "Queue full", c, drill=True),
        Column("withdrawn", "撤回", "Withdrawn", c, drill=True),
        Column("closed", "非工作时间", "Closed", c, "center only", drill=True),
        Column("answer_rate", "接通率", "Answer rate", r, "answered ÷ offered"),
        Column("abandon_rate", "放弃率", "Abandon rate", r, "abandoned ÷ (offered − short)"),
        Column("service_level", "服务水平", "Service level", r, FORMULAS[variant]),
        Column("sl_seconds", "服务水平阈值(秒)", "SL threshold (s)", c, "T"),
        Column("answered_in_sl", "阈值内接通", "Answered ≤ T", c, drill=True),
        Column("asa", "平均应答时间", "ASA", s, "Σ wait answered ÷ answered"),
        Column("max_wait_answered", "最长应答等待", "Longest wait answered", s),
        Column("avg_wait_abandoned", "平均放弃等待", "Avg wait abandoned", s),
        Column("max_wait_abandoned", "最长放弃等待", "Longest wait abandoned", s),
        Column("handled", "处理量", "Handled", c, "handlings", drill=True),
        Column("aht", "平均处理时长", "AHT", s, "(talk + hold + ACW) ÷ handled"),
        Column("avg_talk", "平均通话", "Avg talk", s, "without hold"),
        Column("avg_hold", "平均保持", "Avg hold", s),
        Column("avg_acw", "平均话后处理", "Avg ACW", s),
        Column("transferred", "转出", "Transferred out", c, drill=True),
        Column("callbacks_requested", "回拨请求", "Callbacks asked", c, drill=True),
        Column("callbacks_placed", "已回拨", "Callbacks placed", c, drill=True),
        Column("callbacks_answered", "回拨接通", "Callbacks answered", c, drill=True),
    )


def figures(facts: QueueFacts, variant: Variant) -> dict[str, Any]:
    """The report's figures from one queue's (or the center's) facts in one interval."""
    f = facts
    sl = SlCounts(
        answered=f.answered,
        answered_in=f.answered_in_sl,
        abandoned=f.abandoned + f.short_abandoned,
        abandoned_in=f.abandoned_in_sl,
        short=f.short_abandoned,
    )
    handling = f.talk_ms + f.hold_ms + f.acw_ms
    return {
        "offered": f.offered,
        "answered": f.answered,
        "abandoned": f.abandoned,
        "short_abandoned": f.short_abandoned,
        "timeout": f.timeout,
        "exit_key": f.exit_key,
        "no_agents": f.no_agents,
        "full": f.full,
        "withdrawn": f.withdrawn,
        "closed": f.closed,
        "answer_rate": rounded(ratio(f.answered, f.offered)),
        "abandon_rate": rounded(ratio(f.abandoned, f.offered - f.short_abandoned)),
        "service_level": rounded(sl_value(sl, variant)),
        "sl_seconds": f.sl_seconds or None,
        "answered_in_sl": f.answered_in_sl,
        "asa": rounded(mean_seconds(f.wait_answered_ms, f.answered), 3),
        "max_wait_answered": f.max_wait_answered_ms / 1000 if f.answered else None,
        "avg_wait_abandoned": rounded(mean_seconds(f.wait_abandoned_ms, f.abandoned), 3),
        "max_wait_abandoned": f.max_wait_abandoned_ms / 1000 if f.abandoned else None,
        "handled": f.handled,
        "aht": rounded(mean_seconds(handling, f.handled), 3),
        "avg_talk": rounded(mean_seconds(f.talk_ms, f.handled), 3),
        "avg_hold": rounded(mean_seconds(f.hold_ms, f.handled), 3),
        "avg_acw": rounded(mean_seconds(f.acw_ms, f.handled), 3),
        "transferred": f.transferred,
        "callbacks_requested": f.callbacks_requested,
        "callbacks_placed": f.callbacks_placed,
        "callbacks_answered": f.callbacks_answered,
    }


def fold(
    facts: Mapping[FactKey, QueueFacts], interval: Interval
) -> dict[tuple[IntervalKey, str], QueueFacts]:
    """Bucket facts summed into the report's intervals (takes over the facts' objects)."""
    folded: dict[tuple[IntervalKey, str], QueueFacts] = {}
    keys: dict[Any, IntervalKey] = {}
    for (queue, bucket), f in facts.items():
        key = keys.get(bucket)
        if key is None:
            key = keys[bucket] = interval_key(bucket, interval)
        mine = folded.get((key, queue))
        if mine is None:  # a bucket that is an interval of its own: its facts as they are
            folded[(key, queue)] = f
        else:
            mine.add(f)
    return folded


def fact_query(session: Session, req: ReportRequest) -> FactQuery:
    queues = req.selection.queues
    return FactQuery(
        since=req.window.since,
        until=req.window.until,
        tz=req.window.tz,
        queues=queues,
        quarters=req.interval is Interval.QUARTER,
        thresholds=Thresholds.load(session, queues),
    )


def run(session: Session, req: ReportRequest) -> Report:
    q = fact_query(session, req)
    daily = req.interval not in (Interval.QUARTER, Interval.HOUR)
    folded = fold(rollup.queue_facts(session, q, daily=daily), req.interval)
    names = sorted({queue for _, queue in folded if queue != CENTER} | set(q.queues or ()))
    shown = {queue: threshold_shown(q, queue, names) for queue in (CENTER, *names)}
    empty: dict[str, dict[str, Any]] = {}  # an interval without calls: the same zeros
    rows = []
    for key in intervals(req.window, req.interval):
        at = label(key, req.interval)
        for queue in (CENTER, *names):
            facts = folded.get((key, queue))
            if facts is None:
                if queue not in empty:
                    empty[queue] = figures(QueueFacts(sl_seconds=shown[queue]), req.variant)
                rows.append({"interval": at, "queue": queue, **empty[queue]})
                continue
            if queue == CENTER or not facts.sl_seconds:
                facts.sl_seconds = shown[queue]
            rows.append({"interval": at, "queue": queue, **figures(facts, req.variant)})
    return Report(
        NAME,
        "队列绩效",
        "Queue performance",
        columns(req.variant),
        rows,
        params=req.params(),
        notes=(
            Note(
                f"服务水平公式 {req.variant.value}:{formula(FORMULAS[req.variant], 'zh')}",
                f"service level {req.variant.value}: {FORMULAS[req.variant]}",
            ),
            Note(
                "通话计入其进入队列的时段;全部(呼叫中心)每通电话只计一次(取第一个队列的"
                "阈值 T,等待时间为其所有队列之和)",
                "a call belongs to the interval it entered the queue; the center counts each "
                "call once (first queue's T, waits of all its queues summed)",
            ),
        ),
        chart=Chart("line", "interval", ("offered", "answered", "abandoned"), ("queue", CENTER)),
    )


def threshold_shown(q: FactQuery, queue: str, names: list[str]) -> int:
    """T shown beside a queue's service level when no leg says it (an empty interval): the
    one in force at the window's start. For the center, where each call is judged by its
    first queue's T: the T the queues share, else the smallest (the strictest promise)."""
    if queue == CENTER:
        return q.thresholds.uniform_sl_seconds(names, q.since)
    return q.thresholds.at(queue, q.since).sl_seconds


SPEC = ReportSpec(
    name=NAME,
    zh="队列绩效",
    en="Queue performance",
    summary="per queue and interval: offered, answered, abandoned, service level, waits, AHT",
    run=run,
)
