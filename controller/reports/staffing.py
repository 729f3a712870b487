"""Staffing: agents needed per interval for a target service level (Erlang C and Erlang A).

For the selected queues as one pool of agents (``--queue`` for one queue), per 15 minutes or
hour (staffing_plan.py has every formula):

- calls = the queue report's center *offered* in the interval (× ``growth``, or ``calls``);
  AHT = (talk + hold + after-call work) ÷ handled, the queue report's AHT (the window's for an
  interval nobody handled; or ``aht``); load A = calls × AHT ÷ interval length;
- patience = Σ wait of every leg ÷ abandoned legs in the window (or ``patience``);
- Erlang C: the smallest N > A with SL(T) = 1 − C·e^{−(N−A)T/AHT} ≥ target and A/N ≤
  max_occupancy; Erlang A: the smallest N with SL(T) ≥ target, occupancy ≤ max_occupancy and,
  if set, P(abandon) ≤ max_abandon (callers who give up count as not answered in time);
- scheduled = ⌈N ÷ (1 − shrinkage)⌉.

T is the queues' service-level threshold at the window's start (the smallest if they differ),
or ``threshold``. Options: target (0.8), threshold, max_occupancy (0.85), max_abandon,
shrinkage (0.3), and the what-ifs aht, patience, calls, growth.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from controller.reports import erlang
from controller.reports.calendar import Interval, intervals, label
from controller.reports.errors import ReportError
from controller.reports.queue_facts import FactQuery
from controller.reports.request import ReportRequest
from controller.reports.result import Chart, Column, Kind, Note, Report, rounded
from controller.reports.spec import Option, ReportSpec
from controller.reports.staffing_facts import STEPS, demand, interval_seconds, patience
from controller.reports.staffing_plan import (
    Demand,
    StaffingInputError,
    StaffingPlan,
    StaffingRow,
    Targets,
    WhatIf,
    plan,
)
from controller.reports.thresholds import Thresholds

NAME = "staffing"

OPTIONS = (
    Option("target", "share of calls to answer within T, e.g. 0.8", default="0.8"),
    Option("threshold", "T in seconds (default: the queues' service-level threshold)"),
    Option("max_occupancy", "highest share of agents' time on calls, e.g. 0.85", default="0.85"),
    Option("max_abandon", "Erlang A: highest share of callers who give up, e.g. 0.05"),
    Option("shrinkage", "share of paid time off the phones (breaks, training ...)", default="0.3"),
    Option("aht", "what-if: average handling time in seconds for every interval"),
    Option("patience", "what-if: callers' mean patience in seconds (Erlang A)"),
    Option("calls", "what-if: calls in every interval instead of the history's"),
    Option("growth", "what-if: factor on the history's calls, e.g. 1.2", default="1"),
)


def columns() -> tuple[Column, ...]:
    c, s, r = Kind.COUNT, Kind.SECONDS, Kind.RATE
    return (
        Column("interval", "时段", "Interval", Kind.TEXT),
        Column("calls", "呼入量", "Calls", Kind.NUMBER, "offered (× growth, or the what-if)"),
        Column("aht", "平均处理时长", "AHT", s, "(talk + hold + ACW) ÷ handled"),
        Column(
            "load", "话务量(爱尔兰)", "Load (Erlangs)", Kind.NUMBER, "A = calls × AHT ÷ interval"
        ),
        Column("c_agents", "Erlang C 在线坐席", "Erlang C agents", c, "smallest N > A meeting SL"),
        Column("c_scheduled", "Erlang C 排班人数", "Erlang C scheduled", c, "⌈N ÷ (1 − s)⌉"),
        Column("c_service_level", "Erlang C 服务水平", "Erlang C SL", r, "1 − C·e^(−(N−A)T/AHT)"),
        Column("c_asa", "Erlang C 平均应答", "Erlang C ASA", s, "C·AHT ÷ (N − A)"),
        Column("c_occupancy", "Erlang C 占用率", "Erlang C occupancy", r, "A ÷ N"),
        Column("a_agents", "Erlang A 在线坐席", "Erlang A agents", c, "with patience"),
        Column("a_scheduled", "Erlang A 排班人数", "Erlang A scheduled", c, "⌈N ÷ (1 − s)⌉"),
        Column("a_service_level", "Erlang A 服务水平", "Erlang A SL", r, "answered ≤ T ÷ calls"),
        Column("a_abandon", "Erlang A 放弃率", "Erlang A abandon", r, "θ·Lq ÷ λ"),
        Column("a_asa", "Erlang A 平均等待", "Erlang A mean wait", s, "Lq ÷ λ, all callers"),
        Column("a_occupancy", "Erlang A 占用率", "Erlang A occupancy", r, "λ(1 − P(ab)) ÷ Nμ"),
    )


def _number(options: dict[str, str], name: str) -> Decimal | None:
    text = options.get(name)
    if text is None or text == "":
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ReportError(f"report {NAME!r}: option {name!r} must be a number, got {text!r}")
    return value


def _or(value: Decimal | None, default: str) -> Decimal:
    return value if value is not None else Decimal(default)


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def inputs(req: ReportRequest, default_threshold: int) -> tuple[Targets, WhatIf]:
    o = dict(req.options)
    threshold = _number(o, "threshold")
    try:
        targets = Targets(
            service_level=float(_or(_number(o, "target"), "0.8")),
            threshold_s=float(threshold) if threshold is not None else default_threshold,
            max_occupancy=float(_or(_number(o, "max_occupancy"), "0.85")),
            max_abandon=_float(_number(o, "max_abandon")),
            shrinkage=_or(_number(o, "shrinkage"), "0.3"),
        )
        what_if = WhatIf(
            calls=_float(_number(o, "calls")),
            growth=_or(_number(o, "growth"), "1"),
            aht_s=_float(_number(o, "aht")),
            patience_s=_float(_number(o, "patience")),
        )
    except StaffingInputError as err:
        raise ReportError(f"report {NAME!r}: option {err}") from None
    return targets, what_if


def figures(row: StaffingRow) -> dict[str, Any]:
    c, a = row.erlang_c, row.erlang_a
    return {
        "calls": rounded(row.calls, 3),
        "aht": rounded(row.aht_s, 3),
        "load": rounded(row.load, 3),
        "c_agents": c.agents if c else None,
        "c_scheduled": c.scheduled if c else None,
        "c_service_level": rounded(c.performance.service_level) if c else None,
        "c_asa": rounded(c.performance.asa_s, 3) if c else None,
        "c_occupancy": rounded(c.performance.occupancy) if c else None,
        "a_agents": a.agents if a else None,
        "a_scheduled": a.scheduled if a else None,
        "a_service_level": rounded(a.performance.service_level) if a else None,
        "a_abandon": rounded(a.performance.abandon_probability) if a else None,
        "a_asa": rounded(a.performance.asa_s, 3) if a else None,
        "a_occupancy": rounded(a.performance.occupancy) if a else None,
    }


def notes(result: StaffingPlan, pooled: bool) -> tuple[Note, ...]:
    t = result.targets
    sample = result.patience_sample
    abandon_zh = f";Erlang A 放弃率至多 {t.max_abandon:g}" if t.max_abandon is not None else ""
    abandon_en = (
        f"; Erlang A abandons at most {t.max_abandon:g}" if t.max_abandon is not None else ""
    )
    scheduled = f"⌈N ÷ (1 − {t.shrinkage})⌉"
    said = [
        Note(
            f"目标:{t.service_level:g} 的来电在 {t.threshold_s:g} 秒内接通;"
            f"占用率至多 {t.max_occupancy:g}{abandon_zh};缩减率 {t.shrinkage}"
            f"(排班人数 = {scheduled})",
            f"target: {t.service_level:g} of calls answered within {t.threshold_s:g} s;"
            f" occupancy at most {t.max_occupancy:g}{abandon_en}; shrinkage {t.shrinkage}"
            f" (scheduled = {scheduled})",
        ),
    ]
    if result.patience_s is None:
        said.append(
            Note(
                "耐心时长:此期间没有人放弃,无法估计有限的耐心时长;Erlang A 留空(它将等于"
                " Erlang C);填写选项 patience 可查看",
                "patience: nobody gave up in the window, so no finite patience can be"
                " estimated; Erlang A is left empty (it would equal Erlang C); give option"
                " patience to see it",
            )
        )
    elif sample.mean_s is not None and result.patience_s == sample.mean_s:
        waited = f"{sample.waited_ms / 1000:g}"
        said.append(
            Note(
                f"耐心时长 {result.patience_s:.1f} 秒,估算:所有来电者共等待 {waited} 秒"
                f" ÷ {sample.abandoned} 位放弃者",
                f"patience {result.patience_s:.1f} s, estimated: {waited} s"
                f" waited by all callers ÷ {sample.abandoned} who gave up",
            )
        )
    else:
        said.append(
            Note(
                f"耐心时长 {result.patience_s:g} 秒(假设)",
                f"patience {result.patience_s:g} s (what-if)",
            )
        )
    if pooled:
        said.append(
            Note(
                "所选队列视为一个坐席池:每个坐席接听每个队列的来电",
                "the selected queues are one pool: every agent takes every queue's calls",
            )
        )
    if result.window_aht_s is None:
        said.append(
            Note(
                "此期间没有处理任何来电:填写选项 aht 以计算坐席数",
                "nothing was handled in the window: give option aht to compute agents",
            )
        )
    peak = result.peak
    if peak is not None and peak.erlang_c is not None:
        a = peak.erlang_a
        said.append(
            Note(
                f"高峰 {peak.label}:按 Erlang C 需 {peak.erlang_c.agents} 名坐席在线"
                f"(排班 {peak.erlang_c.scheduled} 名)"
                + (f",按 Erlang A 需 {a.agents} 名(排班 {a.scheduled} 名)" if a else ""),
                f"peak {peak.label}: {peak.erlang_c.agents} agents on the phones by Erlang C"
                f" ({peak.erlang_c.scheduled} scheduled)"
                + (f", {a.agents} by Erlang A ({a.scheduled} scheduled)" if a else ""),
            )
        )
    return tuple(said)


def run(session: Session, req: ReportRequest) -> Report:
    if req.interval not in STEPS:
        raise ReportError(
            f"report {NAME!r} needs --interval 15m or hour, not {req.interval.value}: "
            "agents are planned per interval of the day (the busiest one decides)"
        )
    queues = req.selection.queues
    thresholds = Thresholds.load(session, queues)
    q = FactQuery(
        since=req.window.since,
        until=req.window.until,
        tz=req.window.tz,
        queues=queues,
        quarters=req.interval is Interval.QUARTER,
        thresholds=thresholds,
    )
    names = sorted(queues) if queues is not None else []
    targets, what_if = inputs(req, thresholds.uniform_sl_seconds(names, q.since))
    found = demand(session, q, req.interval)
    lengths = interval_seconds(req.window, req.interval)
    demands = []
    for key in intervals(req.window, req.interval):
        offered, handled, handle_ms = found.get(key, (0, 0, 0))
        demands.append(Demand(label(key, req.interval), lengths[key], offered, handled, handle_ms))
    try:
        result = plan(demands, patience(session, q), targets, what_if)
    except (StaffingInputError, erlang.ErlangInputError) as err:
        raise ReportError(f"report {NAME!r}: {err}") from None
    rows = [{"interval": row.label, **figures(row)} for row in result.rows]
    return Report(
        NAME,
        "坐席需求",
        "Staffing",
        columns(),
        rows,
        params=req.params(),
        notes=notes(result, queues is None or len(queues) > 1),
        chart=Chart("bar", "interval", ("c_agents", "a_agents")),
    )


SPEC = ReportSpec(
    name=NAME,
    zh="坐席需求",
    en="Staffing",
    summary="agents needed per 15 min or hour for a service level (Erlang C and A), what-ifs",
    run=run,
    options=OPTIONS,
)
