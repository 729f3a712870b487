"""The reports there are: one explicit list (add a report by adding its SPEC here).

Each entry is a report module's ``SPEC`` (:class:`controller.reports.spec.ReportSpec`); the
CLI (``pbxctl report``), the API (``/api/v1/reports/{name}``) and the pages list and run
exactly these, in this order.
"""

from __future__ import annotations

from controller.reports import (
    abandoned,
    agents,
    cost,
    detail,
    ivr,
    numbers,
    queues,
    regions,
    satisfaction,
    staffing,
    timeline,
)
from controller.reports.errors import ReportError
from controller.reports.spec import ReportSpec

REPORTS: tuple[ReportSpec, ...] = (
    queues.SPEC,
    agents.SPEC,
    timeline.SPEC,
    detail.SPEC,
    abandoned.SPEC,
    numbers.SPEC,
    ivr.SPEC,
    regions.SPEC,
    staffing.SPEC,
    cost.SPEC,
    satisfaction.SPEC,
)


def find(name: str) -> ReportSpec:
    for spec in REPORTS:
        if spec.name == name:
            return spec
    names = ", ".join(spec.name for spec in REPORTS)
    raise ReportError(f"report {name!r} does not exist; the reports are: {names}")
