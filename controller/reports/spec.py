"""What a report declares about itself: name, titles, who may read it, its options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from controller.reports.request import ReportRequest
from controller.reports.result import Report


@dataclass(frozen=True, slots=True)
class Option:
    """A report-specific option (``--option name=value`` on the CLI, a query field in the API).

    ``choices`` limits the values; ``pattern`` describes the accepted form in messages."""

    name: str
    help: str
    choices: tuple[str, ...] = ()
    default: str | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class ReportSpec:
    name: str  # the CLI/API name: lower case, digits, "-"
    zh: str
    en: str
    summary: str  # one line for `pbxctl report --help`
    run: Callable[[Session, ReportRequest], Report]
    # An agent-role reader may run it and sees only their own figures.
    agent_may_see: bool = False
    # Whether --interval means anything to it (lists and drill-downs ignore it).
    intervals: bool = True
    options: tuple[Option, ...] = ()
