"""Reports over the API: ``GET /api/v1/reports`` lists them, ``GET /api/v1/reports/<name>``
runs one (JSON, or a CSV / Excel file with ``format``).

One route per report of the registry (controller/reports/registry.py), each with its own
query model (the common filters plus the report's options), so the OpenAPI document lists
every report and what it accepts. Scope ``reports.read``: in full, the reports of the
principal's queues (and the agents serving them); as ``me.reports.read`` (agents) only the
reports of their own figures, showing only their own rows. PDF is not served here (printing
takes Chromium seconds): the report's page ``/reports/<name>/print`` prints from the browser,
and ``pbxctl report --format pdf`` and scheduled reports write PDF files.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, create_model

from controller.access.policy import Principal
from controller.access.scopes import Scope, grants
from controller.export import csv_out, xlsx_out
from controller.reports.calendar import Interval, Window
from controller.reports.errors import ReportError
from controller.reports.registry import REPORTS
from controller.reports.request import ReportRequest, site_zone
from controller.reports.result import Report
from controller.reports.runner import run_report
from controller.reports.scope import Audience
from controller.reports.service_level import Variant
from controller.reports.spec import ReportSpec
from controller.web.access import forbidden, principal, requires
from controller.web.api.fields import AgentCode, QueueName
from controller.web.errors import ApiError, bad_request, validate
from controller.web.keys import SERVICES, WebServices

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"csv": "text/csv", "xlsx": XLSX}
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
Day = Field(ge=FIRST_DAY, le=LAST_DAY)


class ReportQuery(BaseModel):
    """What every report takes."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    from_: dt.date | None = Field(
        None,
        alias="from",
        ge=FIRST_DAY,
        le=LAST_DAY,
        description="first local day (site time zone; default: today)",
    )
    to: dt.date | None = Field(
        None, ge=FIRST_DAY, le=LAST_DAY, description="last local day, included (default: from)"
    )
    interval: Interval = Field(Interval.DAY, description="rows per 15m, hour, day, week, month")
    queue: list[QueueName] = Field(
        default_factory=list, max_length=50, description="only these queues (repeat the parameter)"
    )
    agent: list[AgentCode] = Field(
        default_factory=list, max_length=200, description="only these agents (repeat the parameter)"
    )
    sl: Variant = Field(Variant.E, description="service-level formula (docs/reports.md)")
    format: Literal["json", "csv", "xlsx"] = "json"
    lang: Literal["zh", "en"] = Field("zh", description="language of titles (csv, xlsx)")


LISTS = ("queue", "agent")
COMMON = set(ReportQuery.model_fields) - {"from_"} | {"from"}


def _option_type(choices: tuple[str, ...]) -> Any:
    if not choices:
        return str | None
    return Literal[choices] | None  # type: ignore[valid-type]


def query_model(spec: ReportSpec) -> type[ReportQuery]:
    """The report's query: the common filters and its own options."""
    fields: dict[str, Any] = {
        option.name: (
            _option_type(option.choices),
            Field(
                None,
                description=option.help + (" (required)" if option.required else ""),
                max_length=200 if not option.choices else None,
            ),
        )
        for option in spec.options
        if option.name not in COMMON
    }
    name = "".join(part.capitalize() for part in spec.name.split("-")) + "ReportQuery"
    return create_model(name, __base__=ReportQuery, **fields)


QUERIES: Mapping[str, type[ReportQuery]] = {spec.name: query_model(spec) for spec in REPORTS}


def audience_for(request: web.Request, spec: ReportSpec | None = None) -> Audience:
    """The reader's audience; a 403 when an agent asks for a report without own figures."""
    who = principal(request)
    found = audience(request.app[SERVICES], who)
    if spec is not None and found.own_agent is not None and not spec.agent_may_see:
        raise forbidden(who, f"run report {spec.name!r} (agents see their own figures only)")
    return found


def audience(services: WebServices, who: Principal) -> Audience:
    """What a principal may see in reports; a 403 without reports.read."""
    if grants(who.patterns, Scope.REPORTS_READ.value):
        if who.queues is None:
            return Audience()
        return Audience(who.queues, services.directory.agents_of(who.queues))
    if grants(who.patterns, Scope.REPORTS_READ.own) and who.agent is not None:
        return Audience(own_agent=who.agent)
    raise forbidden(who, "read reports")


def query_dict(request: web.Request) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in dict.fromkeys(request.query.keys()):
        values = request.query.getall(key)
        if key in LISTS:
            data[key] = values
        elif len(values) > 1:
            raise bad_request(f"{key} is given {len(values)} times; give it once", key)
        else:
            data[key] = values[0]
    return data


def report_request(spec: ReportSpec, q: ReportQuery, tz: Any, who: Audience) -> ReportRequest:
    first = q.from_ or dt.datetime.now(tz).date()
    last = q.to or first
    if last < first:
        raise bad_request(f"to ({last}) is before from ({first})", "to")
    options = {
        name: str(value)
        for name, value in q.model_dump(exclude=set(ReportQuery.model_fields)).items()
        if value is not None
    }
    return ReportRequest(
        Window(first, last, tz),
        q.interval,
        frozenset(q.queue),
        frozenset(q.agent),
        q.sl,
        who,
        options,
    )


def report_error(err: ReportError) -> ApiError:
    codes = {403: "forbidden", 404: "not_found", 400: "invalid_input"}
    return ApiError(err.status, codes[err.status], str(err))


def answer(report: Report, q: ReportQuery) -> web.Response:
    if q.format == "json":
        return web.json_response(report.as_dict())
    data = csv_out.render(report, q.lang) if q.format == "csv" else xlsx_out.render(report, q.lang)
    params = report.params
    filename = f"{report.name}-{params.get('from')}-{params.get('to')}.{q.format}"
    return web.Response(
        body=data,
        headers={
            "Content-Type": MEDIA[q.format],
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


def handler(spec: ReportSpec) -> Callable[[web.Request], Any]:
    model = QUERIES[spec.name]

    @requires(Scope.REPORTS_READ)
    async def run(request: web.Request) -> web.Response:
        services = request.app[SERVICES]
        who = audience_for(request, spec)
        q = validate(model, query_dict(request), "query")

        def compute() -> Report:
            with services.factory() as session:
                req = report_request(spec, q, site_zone(session), who)
                return run_report(session, spec.name, req)

        try:
            report = await asyncio.to_thread(compute)
        except ReportError as err:
            raise report_error(err) from None
        return answer(report, q)

    run.__name__ = f"report_{spec.name.replace('-', '_')}"
    return run


@requires(Scope.REPORTS_READ)
async def list_reports(request: web.Request) -> web.Response:
    who = audience_for(request)
    shown = [s for s in REPORTS if who.own_agent is None or s.agent_may_see]
    return web.json_response(
        {
            "reports": [
                {
                    "name": s.name,
                    "title": {"zh": s.zh, "en": s.en},
                    "summary": s.summary,
                    "intervals": s.intervals,
                    "agent_may_see": s.agent_may_see,
                    "options": [
                        {
                            "name": o.name,
                            "help": o.help,
                            "choices": list(o.choices),
                            "default": o.default,
                            "required": o.required,
                        }
                        for o in s.options
                    ],
                }
                for s in shown
            ]
        }
    )


def routes() -> web.RouteTableDef:
    """The routes: the list, and one per report of the registry."""
    table = web.RouteTableDef()
    table.get("/api/v1/reports")(list_reports)
    for spec in REPORTS:
        table.get(f"/api/v1/reports/{spec.name}")(handler(spec))
    return table
