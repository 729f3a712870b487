"""Run a report by name for a reader: the one entry point of the CLI, the API and the pages.

It finds the report, checks that the reader may run it (an agent-role reader only the
reports with their own figures), that the queues and agents asked are within what the reader
may see, and the report's own options; then runs it. Every refusal is a
:class:`~controller.reports.errors.ReportError` naming the parameter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sqlalchemy.orm import Session

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


def run_report(session: Session, name: str, request: ReportRequest) -> Report:
    spec = find(name)
    if request.audience.own_agent is not None and not spec.agent_may_see:
        raise ReportError(f"report {name!r} is not open to agents", forbidden=True)
    options = check_options(spec, request.options)
    try:
        request.selection  # noqa: B018 (raises when a filter is out of scope)
    except OutOfScope as err:
        raise ReportError(f"report {name!r}: {err}", forbidden=True) from err
    return spec.run(session, dataclasses.replace(request, options=options))
