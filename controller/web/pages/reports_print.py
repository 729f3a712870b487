"""A report's page, ready to print: ``/reports/<name>/print?from=...&to=...``.

The same HTML the PDF export prints (controller/export/html.py, templates/reports/), served
with the site's strict Content-Security-Policy: the chart is drawn by a static script from
the page's JSON block. It takes the API's query (``GET /api/v1/reports/<name>``) and the
same scope; the browser's own "Print" gives the PDF. Issue 15's interactive report pages
include ``reports/_report.html`` the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from controller.access.scopes import Scope
from controller.export import html
from controller.reports.errors import ReportError
from controller.reports.registry import REPORTS
from controller.reports.request import site_zone
from controller.reports.result import Report
from controller.reports.runner import run_report
from controller.reports.spec import ReportSpec
from controller.web.access import requires
from controller.web.api.reports_api import (
    QUERIES,
    audience_for,
    query_dict,
    report_error,
    report_request,
)
from controller.web.errors import validate
from controller.web.keys import SERVICES
from controller.web.pages.account import language, remember_language
from controller.web.render import PAGE_HEADERS


def page(spec: ReportSpec) -> Callable[[web.Request], Any]:
    model = QUERIES[spec.name]

    @requires(Scope.REPORTS_READ)
    async def show(request: web.Request) -> web.Response:
        services = request.app[SERVICES]
        who = audience_for(request, spec)
        q = validate(model, query_dict(request), "query")
        lang = language(request)

        def compute() -> Report:
            with services.factory() as session:
                return run_report(
                    session, spec.name, report_request(spec, q, site_zone(session), who)
                )

        try:
            report = await asyncio.to_thread(compute)
        except ReportError as err:
            raise report_error(err) from None
        response = web.Response(
            text=html.render(report, lang), content_type="text/html", charset="utf-8",
            headers=PAGE_HEADERS,
        )  # fmt: skip
        remember_language(request, response)
        return response

    show.__name__ = f"report_page_{spec.name.replace('-', '_')}"
    return show


def routes() -> web.RouteTableDef:
    table = web.RouteTableDef()
    for spec in REPORTS:
        table.get(f"/reports/{spec.name}/print")(page(spec))
    return table
