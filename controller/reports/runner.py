"""Run a report by name for a reader: the one entry point of the CLI, the API and the pages.

It finds the report, checks that the reader may run it (an agent-role reader only the
reports with their own figures), that the queues and agents asked are within what the reader
may see, and the report's own options; then runs it. Every refusal is a
:class:`~controller.reports.errors.ReportError` naming the parameter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.db.models import Agent, AgentStateInterval, Handling, Queue, QueueLeg
from controller.reports.calendar import Interval
from controller.reports.errors import ReportError
from controller.reports.registry import find
from controller.reports.request import ReportRequest
from controller.reports.result import Report
from controller.reports.scope import OutOfScope
from controller.reports.spec import ReportSpec


def check_options(spec: ReportSpec, given: Mapping[str, str]) -> dict[str, str]:
    known = {option.name: option for option in spec.options}
    unknown = sorted(set(given) - set(known))
    if unknown:
        accepted = ", ".join(known) or "none"
        raise ReportError(
            f"report {spec.name!r}: unknown option {unknown[0]!r} (its options: {accepted})"
        )
    options: dict[str, str] = {}
    for name, option in known.items():
        value = given.get(name, option.default)
        if value is None:
            if option.required:
                raise ReportError(f"report {spec.name!r}: option {name!r} is required")
            continue
        if option.choices and value not in option.choices:
            raise ReportError(
                f"report {spec.name!r}: option {name!r} must be one of "
                f"{', '.join(option.choices)}, got {value!r}"
            )
        options[name] = value
    return options


def check_names(session: Session, request: ReportRequest) -> None:
    """Every queue and agent asked is configured, or at least in the history (a removed
    queue's past stays reportable); a typo is refused rather than shown as zeros."""
    for queue in sorted(request.queues):
        configured = select(Queue.id).where(Queue.name == queue)
        past = select(QueueLeg.id).where(QueueLeg.queue_name == queue).limit(1)
        if session.scalar(configured) is None and session.scalar(past) is None:
            raise ReportError(f"queue {queue!r} is neither configured nor in the history",
                              unknown=True)  # fmt: skip
    for agent in sorted(request.agents):
        configured = select(Agent.id).where(Agent.code == agent)
        past = select(AgentStateInterval.id).where(AgentStateInterval.agent_code == agent).limit(1)
        worked = select(Handling.id).where(Handling.agent_code == agent).limit(1)
        if all(session.scalar(q) is None for q in (configured, past, worked)):
            raise ReportError(f"agent {agent!r} is neither configured nor in the history",
                              unknown=True)  # fmt: skip


# The longest window per interval: beyond it a report is a data dump, not a report.
MAX_DAYS = {Interval.QUARTER: 31, Interval.HOUR: 92}
MAX_DAYS_OTHERWISE = 366
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def check_window(request: ReportRequest) -> None:
    window, interval = request.window, request.interval
    for name, day in (("from", window.first), ("to", window.last)):
        if not EARLIEST <= day <= LATEST:
            raise ReportError(f"{name}: {day} is outside {EARLIEST}..{LATEST}")
    days = (window.last - window.first).days + 1
    limit = MAX_DAYS.get(interval, MAX_DAYS_OTHERWISE)
    if days > limit:
        raise ReportError(
            f"to: {days} days with interval {interval.value}; at most {limit} (a longer "
            "interval covers more days)"
        )


def run_report(session: Session, name: str, request: ReportRequest) -> Report:
    spec = find(name)
    check_window(request)
    if request.audience.own_agent is not None and not spec.agent_may_see:
        raise ReportError(f"report {name!r} is not open to agents", forbidden=True)
    options = check_options(spec, request.options)
    try:
        request.selection  # noqa: B018 (raises when a filter is out of scope)
    except OutOfScope as err:
        raise ReportError(f"report {name!r}: {err}", forbidden=True) from err
    report = spec.run(session, dataclasses.replace(request, options=options))
    # After the run, so a report's own option errors come first.
    check_names(session, request)
    return report
