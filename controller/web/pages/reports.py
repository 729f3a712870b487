"""The report pages (``/reports``): every report of the registry with its filters, chart and
table, for the reports and supervisor roles (the queues they are given; an agent only the
reports of their own figures).

- ``GET /reports``: the reports this principal may run, and the user's saved filters;
- ``GET /reports/<name>``: the filters as a GET form (so a page is a link), the chart and the
  table from the same template the PDF prints (templates/reports/_report.html), a link on
  every figure that has a drill-down (the ``detail`` report: its calls, exactly that many), the
  exports of what is shown: CSV and Excel from the API (``/api/v1/reports/<name>?format=``),
  PDF from ``/reports/<name>/pdf`` (the print page, printed by headless Chromium);
- ``GET /reports/calls/<id>``: one call with its queue legs, agents, transfers, channels and
  recordings, played in the page from the recording API (which writes the audit log);
- ``POST /reports/filters`` and ``POST /reports/filters/<id>/delete``: the user's saved
  filters (plain forms with the CSRF token; the table ``saved_report_filter``).

The abandoned-calls report gets a call-back button per row: click-to-call from the reader's
phone through ``POST /api/v1/calls/originate`` (shown to those with ``calls.originate``).

A page's query is the API's query (controller/web/api/reports_api.py) plus ``period`` (a
window relative to the site's today, kept as such in a saved filter) and ``lang``. A bad
filter shows the page again with the message at its field (status 400), never a 500.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from controller.access.policy import Principal, allows
from controller.access.scopes import Scope, grants
from controller.export import html, pdf_out
from controller.history import queries
from controller.reports import words
from controller.reports.calendar import Interval
from controller.reports.errors import ReportError
from controller.reports.registry import REPORTS
from controller.reports.request import site_zone
from controller.reports.result import Kind, Report, chart_rows
from controller.reports.runner import run_report
from controller.reports.scope import Audience
from controller.reports.service_level import Variant
from controller.reports.spec import ReportSpec
from controller.web import i18n, saved_filters
from controller.web.access import principal, requires
from controller.web.api.fields import RowId
from controller.web.api.reports_api import (
    LISTS,
    QUERIES,
    ReportQuery,
    audience_for,
    report_request,
)
from controller.web.errors import ApiError, validate
from controller.web.keys import SERVICES
from controller.web.pages import lookups
from controller.web.pages.account import language, see_other
from controller.web.pages.frame import in_session, signed_in_page
from controller.web.scoping import history_visibility

# Reports whose figures drill down to their calls (the detail report's `report` option), and
# the column a row is named by there.
DRILLED = {"queues": "queue", "agents": "agent"}
PAGE_ONLY = ("period", "lang", "format")  # page fields the report's query does not take
PERIODS = ("today", "yesterday", "last7", "this_week", "last_week", "this_month", "last_month")
PDF_AT_ONCE = 2  # Chromium processes printing at the same time (the machine's memory)
FILTER_ID = TypeAdapter(RowId)


def period_window(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a period relative to ``today`` (weeks start on Monday)."""
    monday = today - dt.timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    if period == "today":
        return today, today
    if period == "yesterday":
        day = today - dt.timedelta(days=1)
        return day, day
    if period == "last7":
        return today - dt.timedelta(days=6), today
    if period == "this_week":
        return monday, today
    if period == "last_week":
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if period == "this_month":
        return first_of_month, today
    if period == "last_month":
        last = first_of_month - dt.timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(period)


def period_labels(gettext: Callable[[str], str]) -> dict[str, str]:
    return {
        "today": gettext("Today"),
        "yesterday": gettext("Yesterday"),
        "last7": gettext("Last 7 days"),
        "this_week": gettext("This week"),
        "last_week": gettext("Last week"),
        "this_month": gettext("This month"),
        "last_month": gettext("Last month"),
    }


@dataclass
class Asked:
    """The page's query as given: what the form shows, saved filters keep and links carry."""

    fields: dict[str, Any]  # the report's query fields (lists for queue and agent)
    period: str | None = None
    lang: str | None = None
    problems: list[dict[str, str]] = field(default_factory=list)

    def pairs(self, **override: Any) -> list[tuple[str, str]]:
        """The query as (name, value) pairs, with ``override`` (None drops a field)."""
        merged = {**self.fields, **({"period": self.period} if self.period else {}), **override}
        found: list[tuple[str, str]] = []
        for name, value in merged.items():
            if value is None or value == "" or value == []:
                continue
            for one in value if isinstance(value, list) else [value]:
                found.append((name, str(one)))
        if self.lang:
            found.append(("lang", self.lang))
        return found

    def url(self, path: str, **override: Any) -> str:
        query = urlencode(self.pairs(**override))
        return f"{path}?{query}" if query else path


def asked_of(query: MultiDictProxy[str] | MultiDict[str]) -> Asked:
    """The fields of a page query; a field given twice (not a list) is a problem naming it."""
    fields: dict[str, Any] = {}
    problems = []
    for key in dict.fromkeys(query.keys()):
        values = query.getall(key)
        if key in LISTS:
            fields[key] = [v for v in values if v != ""]
        elif len(values) > 1:
            problems.append({"field": key, "message": f"given {len(values)} times; give it once"})
        elif key not in PAGE_ONLY:
            fields[key] = values[0]
    lang = query.get("lang")
    return Asked(
        fields,
        query.get("period") or None,
        lang if lang in i18n.LANGUAGES else None,
        problems,
    )


def resolve(asked: Asked, model: type[ReportQuery], today: dt.date) -> ReportQuery:
    """The report's query: ``period`` (if given) sets from and to; an ApiError naming the
    field otherwise."""
    if asked.problems:
        raise ApiError(400, "invalid_input", "invalid query", asked.problems)
    data = {k: v for k, v in asked.fields.items() if v != ""}
    if asked.period is not None:
        if asked.period not in PERIODS:
            message = f"period must be one of {', '.join(PERIODS)}"
            raise ApiError(400, "invalid_input", message, [{"field": "period", "message": message}])
        first, last = period_window(asked.period, today)
        data["from"], data["to"] = first.isoformat(), last.isoformat()
    return validate(model, data, "query")


def stored_query(asked: Asked) -> dict[str, Any]:
    """What a saved filter keeps: the fields given, the period instead of its dates."""
    kept = {k: v for k, v in asked.fields.items() if v not in ("", [], None)}
    if asked.period is not None:
        kept.pop("from", None)
        kept.pop("to", None)
        kept["period"] = asked.period
    for paging in ("offset",):
        kept.pop(paging, None)
    return kept


def filter_url(name: str, query: Mapping[str, Any], lang: str | None) -> str:
    pairs = [(k, str(one)) for k, v in query.items() for one in (v if isinstance(v, list) else [v])]
    if lang:
        pairs.append(("lang", lang))
    return f"/reports/{name}?{urlencode(pairs)}"


# -- the figures' links ------------------------------------------------------------------


def drill_url(
    report: Report, q: ReportQuery, asked: Asked, row: Mapping[str, Any], key: str
) -> str | None:
    """The detail page of the calls behind ``row[key]``; None when it has none to list."""
    by = DRILLED.get(report.name)
    value = row.get(key)
    if by is None or not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    if not report.column(key).drill:
        return None
    pairs = {
        "from": q.from_.isoformat() if q.from_ else report.params.get("from"),
        "to": report.params.get("to"),
        "interval": q.interval.value,
        "queue": list(q.queue),
        "agent": list(q.agent),
        "sl": q.sl.value,
        "report": report.name,
        "figure": key,
        "row": row.get(by) or None,
        "at": row.get("interval") or None,
    }
    return Asked({}, lang=asked.lang).url("/reports/detail", **pairs)


def call_url(call_id: Any, lang: str | None) -> str | None:
    if not isinstance(call_id, int):
        return None
    return f"/reports/calls/{call_id}" + (f"?lang={lang}" if lang else "")


def figure_links(
    report: Report, q: ReportQuery, asked: Asked, may_see_calls: bool, context: dict[str, Any]
) -> None:
    """Links on the table's figures and the chart's points (in place, in ``context``)."""
    for shown, row in zip(context["rows"], report.rows, strict=True):
        links = []
        for column in report.columns:
            if column.key == "call_id":
                links.append(call_url(row.get("call_id"), asked.lang) if may_see_calls else None)
            else:
                links.append(drill_url(report, q, asked, row, column.key))
        shown["links"] = links
    chart = context.get("chart")
    if chart is not None and report.chart is not None and report.name in DRILLED:
        rows = chart_rows(report)
        chart["links"] = [
            [drill_url(report, q, asked, row, key) for row in rows] for key in report.chart.series
        ]


# -- the report page -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Read:
    """What a report page reads from the database in one thread."""

    report: Report | None
    error: ReportError | None
    today: dt.date
    queues: dict[str, str]
    agents: list[dict[str, Any]]
    filters: list[saved_filters.SavedFilter]
    device: str | None


def _read(
    session: Session, spec: ReportSpec, who: Principal, audience: Audience, asked: Asked
) -> tuple[Read, ReportQuery | None, ApiError | None]:
    tz = site_zone(session)
    today = dt.datetime.now(tz).date()
    report = error = q = problem = None
    try:
        q = resolve(asked, QUERIES[spec.name], today)
        report = run_report(session, spec.name, report_request(spec, q, tz, audience))
    except ApiError as err:
        problem = err
    except ReportError as err:
        error = err
    agents = lookups.agents(session, who)
    if audience.own_agent is not None:
        agents = [a for a in agents if a["code"] == audience.own_agent]
    filters = saved_filters.list_filters(session, who.user_id, spec.name) if who.user_id else []
    read = Read(
        report,
        error,
        today,
        lookups.queue_names(session, who),
        agents,
        filters,
        lookups.usual_device(session, who.agent),
    )
    return read, q, problem


# Parameters the page shows otherwise (the paging line says "1–100 of 340").
_PAGING = ("limit", "offset", "total")


def page_params(report: Report, lang: str, gettext: Callable[[str], str]) -> list[tuple[str, str]]:
    """The report's parameters under its heading, named as the form names them and the
    interval in words (the printed report keeps the registry's names)."""
    names = {**option_labels(gettext), **html.PARAMS["zh" if lang.startswith("zh") else "en"]}
    intervals = interval_labels(gettext)
    choices = choice_labels(gettext)
    shown = []
    for key, value in report.params.items():
        if value in ("", [], None) or key in _PAGING:
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if key == "interval":
            text = intervals.get(text, text)
        text = choices.get((key, text), text)
        shown.append((names.get(key, key), text))
    return shown


def choice_labels(gettext: Callable[[str], str]) -> dict[tuple[str, str], str]:
    """The reports' options' choices in words, by (option, value) (the value otherwise)."""
    return {
        ("kind", "abandoned"): gettext("Abandoned calls"),
        ("kind", "unanswered"): gettext("Every unanswered call"),
        ("by", "trunk"): gettext("Trunk"),
        ("by", "route"): gettext("Route"),
        ("by", "agent"): gettext("Agent"),
        ("by", "queue"): gettext("Queue"),
        ("level", "province"): gettext("Province"),
        ("level", "city"): gettext("Province and city"),
        ("report", "queues"): gettext("Queue performance"),
        ("report", "agents"): gettext("Agent performance"),
    }


def option_labels(gettext: Callable[[str], str]) -> dict[str, str]:
    """The reports' options as the form names them (the registry's names otherwise)."""
    return {
        "report": gettext("Report"),
        "figure": gettext("Figure"),
        "row": gettext("Row"),
        "at": gettext("Interval shown"),
        "limit": gettext("Rows per page"),
        "offset": gettext("Rows skipped"),
        "kind": gettext("Which calls"),
        "within_days": gettext("Later contact within (days)"),
        "level": gettext("Level"),
        "by": gettext("By"),
        "target": gettext("Service level target"),
        "threshold": gettext("SL threshold (s)"),
        "max_occupancy": gettext("Highest occupancy"),
        "max_abandon": gettext("Highest abandon rate"),
        "shrinkage": gettext("Shrinkage"),
        "aht": gettext("AHT (s)"),
        "patience": gettext("Patience (s)"),
        "calls": gettext("Calls"),
        "growth": gettext("Growth"),
    }


def interval_labels(gettext: Callable[[str], str]) -> dict[str, str]:
    return {
        "15m": gettext("15 minutes"),
        "hour": gettext("Hour"),
        "day": gettext("Day"),
        "week": gettext("Week"),
        "month": gettext("Month"),
        "total": gettext("Whole period"),
    }


def back_url(asked: Asked) -> str | None:
    """From a drill-down back to the report whose figure it lists, with the same filters."""
    origin = asked.fields.get("report") or "queues"
    if origin not in DRILLED:
        return None
    keep = ("from", "to", "interval", "queue", "agent", "sl")
    return Asked({k: v for k, v in asked.fields.items() if k in keep}, lang=asked.lang).url(
        f"/reports/{origin}"
    )


def _option_fields(
    spec: ReportSpec,
    asked: Asked,
    labels: Mapping[str, str],
    choices: Mapping[tuple[str, str], str],
) -> list[dict[str, Any]]:
    return [
        {
            "name": o.name,
            "label": labels.get(o.name, o.name),
            "help": o.help,
            "choices": [(c, choices.get((o.name, c), c)) for c in o.choices],
            "value": asked.fields.get(o.name, "") or "",
            "default": o.default or "",
            "required": o.required,
        }
        for o in spec.options
    ]


def _exports(report: Report, q: ReportQuery, asked: Asked, lang: str) -> dict[str, str]:
    """The exports of what is on screen: the same report, filters and page, as files."""
    fixed = {"from": report.params.get("from"), "to": report.params.get("to")}
    files = Asked(dict(asked.fields), lang=None)
    return {
        "csv": files.url(f"/api/v1/reports/{report.name}", **fixed, format="csv", lang=lang),
        "xlsx": files.url(f"/api/v1/reports/{report.name}", **fixed, format="xlsx", lang=lang),
        "pdf": files.url(f"/reports/{report.name}/pdf", **fixed, lang=lang),
    }


def _paging(report: Report, asked: Asked) -> dict[str, Any] | None:
    """Where the rows shown are in a list reported a page at a time (detail, abandoned)."""
    total = report.params.get("total")
    if not isinstance(total, int):
        return None
    limit = max(1, int(report.params.get("limit") or len(report.rows) or 1))
    offset = int(report.params.get("offset") or 0)
    path = asked_path(report)
    return {
        "total": total,
        "first": offset + 1 if report.rows else 0,
        "last": offset + len(report.rows),
        "previous": asked.url(path, offset=max(0, offset - limit)) if offset > 0 else None,
        "next": asked.url(path, offset=offset + limit) if offset + limit < total else None,
    }


def asked_path(report: Report) -> str:
    return f"/reports/{report.name}"


def may_call_back(who: Principal) -> bool:
    """Click-to-call from one's own phone to any number: calls.originate in full."""
    return grants(who.patterns, Scope.CALLS_ORIGINATE.value)


# A table by hour (or quarter) longer than this hides its rows without calls until asked:
# a week by hour is 168 rows a queue, most of them nights.
COLLAPSE_AFTER = 24


def collapse_empty(report: Report, interval: Interval, shown: list[dict[str, Any]]) -> int:
    """Mark the rows shown whose counts are all zero (``row["empty"]``) in a long table by
    hour or quarter; returns how many (0: nothing is collapsed). The page hides them behind a
    "show" switch and says where they were; the printed report keeps every row."""
    if interval not in (Interval.HOUR, Interval.QUARTER) or len(shown) <= COLLAPSE_AFTER:
        return 0
    # The figures that count calls: those with a drill-down (a threshold such as sl_seconds
    # is a count too, and never zero), else every count.
    counts = [c.key for c in report.columns if c.drill and c.kind is Kind.COUNT] or [
        c.key for c in report.columns if c.kind is Kind.COUNT
    ]
    if not counts:
        return 0
    empty = 0
    for row_shown, row in zip(shown, report.rows, strict=True):
        row_shown["empty"] = all(not row.get(key) for key in counts)
        empty += row_shown["empty"]
    return empty if empty < len(shown) else 0  # all empty: the table shows them as they are


def may_see_calls(who: Principal) -> bool:
    return allows(who, Scope.HISTORY_READ)


def report_page(spec: ReportSpec) -> Callable[[web.Request], Any]:
    @requires(Scope.REPORTS_READ)
    async def show(request: web.Request) -> web.Response:
        who = principal(request)
        audience = audience_for(request, spec)
        asked = asked_of(request.query)
        services = request.app[SERVICES]
        read, q, problem = await asyncio.to_thread(
            in_session, services.factory, _read, spec, who, audience, asked
        )
        lang = language(request)
        gettext = i18n.translations(lang).gettext
        context: dict[str, Any] = {}
        chart = None
        report = read.report
        if report is not None and q is not None:
            shown = html.context(report, lang)
            figure_links(report, q, asked, may_see_calls(who), shown)
            chart = shown["chart"]
            context = {k: v for k, v in shown.items() if k not in ("language", "page_data")}
            context["exports"] = _exports(report, q, asked, lang)
            context["empty_rows"] = collapse_empty(report, q.interval, context["rows"])
            context["params"] = page_params(report, lang, gettext)
            context["labels"] = {
                **context["labels"],
                "show_empty": gettext("Show the %(n)s rows without calls"),
                "hidden_empty": gettext("… %(n)s rows without calls hidden"),
            }
            context["paging"] = _paging(report, asked)
            if spec.name == "abandoned" and may_call_back(who):
                context["actions"] = {"label": gettext("Call back")}
                for row_shown, row in zip(context["rows"], report.rows, strict=True):
                    row_shown["action"] = {"number": row.get("caller") or ""}
        error = None
        if problem is not None:
            error = {"message": problem.message, "problems": problem.problems}
        elif read.error is not None:
            error = {"message": str(read.error), "problems": []}
        shown_from = report.params.get("from") if report else asked.fields.get("from", "")
        shown_to = report.params.get("to") if report else asked.fields.get("to", "")
        response = signed_in_page(
            request,
            "reports/page.html",
            "reports",
            data={
                "chart": chart,
                "may_call_back": spec.name == "abandoned" and may_call_back(who),
                "my_device": read.device,
            },
            spec=spec,
            spec_title=spec.zh if lang == "zh" else spec.en,
            specs=_specs(who, lang),
            report=report,
            has_report=report is not None,
            error=error,
            form={
                "from": shown_from,
                "to": shown_to,
                "period": asked.period or "",
                "interval": asked.fields.get("interval") or (q.interval.value if q else "day"),
                "sl": asked.fields.get("sl") or (q.sl.value if q else "E"),
                "queue": asked.fields.get("queue", []),
                "agent": asked.fields.get("agent", []),
                "lang": asked.lang or "",
            },
            intervals=[
                {"value": i.value, "label": interval_labels(gettext)[i.value]} for i in Interval
            ],
            back=back_url(asked) if spec.name == "detail" else None,
            language_links={
                code: Asked(dict(asked.fields), asked.period, code).url(f"/reports/{spec.name}")
                for code in ("zh", "en")
            },
            variants=[v.value for v in Variant],
            periods=[
                {
                    "name": p,
                    "label": label,
                    "url": asked.url(
                        f"/reports/{spec.name}",
                        period=p,
                        **{"from": None, "to": None, "offset": None},
                    ),
                }
                for p, label in period_labels(gettext).items()
            ],
            queue_choices=read.queues,
            agent_choices=read.agents,
            options=_option_fields(spec, asked, option_labels(gettext), choice_labels(gettext)),
            saved=[
                {"id": f.id, "name": f.name, "url": filter_url(spec.name, f.query, asked.lang)}
                for f in read.filters
            ],
            may_save=who.user_id is not None,
            save_query=urlencode(
                [
                    (k, str(v))
                    for k, value in stored_query(asked).items()
                    for v in (value if isinstance(value, list) else [value])
                ]
            ),
            **context,
        )
        if problem is not None:
            response.set_status(problem.status)
        elif read.error is not None:
            response.set_status(read.error.status)
        return response

    show.__name__ = f"report_page_{spec.name.replace('-', '_')}"
    return show


def _specs(who: Principal, lang: str) -> list[dict[str, str]]:
    own_only = not grants(who.patterns, Scope.REPORTS_READ.value)
    return [
        {"name": s.name, "title": s.zh if lang == "zh" else s.en}
        for s in REPORTS
        if not own_only or s.agent_may_see
    ]


# -- PDF -----------------------------------------------------------------------------------


def find_spec(name: str) -> ReportSpec:
    found = next((s for s in REPORTS if s.name == name), None)
    if found is None:
        names = ", ".join(s.name for s in REPORTS)
        raise ApiError(
            404, "not_found", f"report {name!r} does not exist; the reports are: {names}"
        )
    return found


def report_pdf(printing: threading.BoundedSemaphore) -> Callable[..., Any]:
    """``GET /reports/<name>/pdf``: the print page printed by Chromium (pdf_out), a file."""

    @requires(Scope.REPORTS_READ)
    async def pdf(request: web.Request) -> web.Response:
        spec = find_spec(request.match_info["name"])
        audience = audience_for(request, spec)
        asked = asked_of(request.query)
        lang = asked.lang or language(request)
        model = QUERIES[spec.name]
        services = request.app[SERVICES]

        def compute() -> Report:
            with services.factory() as session:
                tz = site_zone(session)
                q = resolve(asked, model, dt.datetime.now(tz).date())
                return run_report(session, spec.name, report_request(spec, q, tz, audience))

        def printed() -> bytes:
            report = compute()
            # Chromium takes a few hundred MB: a few at a time, the rest wait their turn.
            with printing:
                return pdf_out.render(report, lang)

        try:
            data = await asyncio.to_thread(printed)
        except ReportError as err:
            codes = {403: "forbidden", 404: "not_found", 400: "invalid_input"}
            raise ApiError(err.status, codes[err.status], str(err)) from None
        except pdf_out.PdfError as err:
            raise ApiError(503, "unavailable", str(err)) from None
        filename = f"{spec.name}-{asked.fields.get('from', 'today')}.pdf"
        return web.Response(
            body=data,
            headers={
                "Content-Type": "application/pdf",
                "Content-Disposition": f'attachment; filename="{filename}"',
            },
        )

    return pdf


# -- the index -----------------------------------------------------------------------------


@requires(Scope.REPORTS_READ)
async def index(request: web.Request) -> web.Response:
    who = principal(request)
    audience_for(request)
    lang = language(request)
    services = request.app[SERVICES]
    suffix = request.query.get("lang")
    suffix = suffix if suffix in i18n.LANGUAGES else None

    def read(session: Session) -> list[saved_filters.SavedFilter]:
        return saved_filters.list_filters(session, who.user_id) if who.user_id else []

    found = await asyncio.to_thread(in_session, services.factory, read)
    titles = {s["name"]: s["title"] for s in _specs(who, lang)}
    return signed_in_page(
        request,
        "reports/index.html",
        "reports",
        specs=[
            {
                **s,
                "url": f"/reports/{s['name']}" + (f"?lang={suffix}" if suffix else ""),
                # "How did we do last week?" in one click (lists and drill-downs excepted).
                "last_week": Asked({}, "last_week", suffix).url(f"/reports/{s['name']}")
                if s["name"] in ("queues", "agents", "numbers", "ivr", "regions", "satisfaction")
                else None,
            }
            for s in _specs(who, lang)
        ],
        saved=[
            {
                "id": f.id,
                "name": f.name,
                "report": titles.get(f.report, f.report),
                "url": filter_url(f.report, f.query, suffix),
            }
            for f in found
            if f.report in titles
        ],
    )


# -- saved filters -------------------------------------------------------------------------


def _user(who: Principal) -> int:
    if who.user_id is None:
        raise ApiError(
            403, "forbidden", f"{who.describe()} is not a user: filters are saved per user"
        )
    return who.user_id


@requires(Scope.REPORTS_READ)
async def save_filter(request: web.Request) -> web.Response:
    who = principal(request)
    form = await request.post()
    name = str(form.get("report", ""))
    spec = next((s for s in REPORTS if s.name == name), None)
    if spec is None:
        raise ApiError(
            400,
            "invalid_input",
            f"report {name!r} does not exist",
            [{"field": "report", "message": "no such report"}],
        )
    user_id = _user(who)
    audience = audience_for(request, spec)
    asked = asked_of(MultiDict(parse_qsl(str(form.get("query", "")), keep_blank_values=False)))
    services = request.app[SERVICES]
    now = dt.datetime.now(dt.UTC)

    def run(session: Session) -> saved_filters.SavedFilter:
        with session.begin():
            tz = site_zone(session)
            q = resolve(asked, QUERIES[spec.name], dt.datetime.now(tz).date())
            # Run once: a filter that names a queue outside the reader's is refused here.
            try:
                run_report(session, spec.name, report_request(spec, q, tz, audience))
            except ReportError as err:
                codes = {403: "forbidden", 404: "not_found", 400: "invalid_input"}
                raise ApiError(err.status, codes[err.status], str(err)) from None
            return saved_filters.save_filter(
                session, user_id, spec.name, str(form.get("name", "")), stored_query(asked), now
            )

    try:
        saved = await asyncio.to_thread(in_session, services.factory, run)
    except saved_filters.FilterError as err:
        raise ApiError(
            400, "invalid_input", str(err), [{"field": err.field, "message": str(err)}]
        ) from None
    return see_other(filter_url(spec.name, saved.query, asked.lang))


@requires(Scope.REPORTS_READ)
async def delete_filter(request: web.Request) -> web.Response:
    who = principal(request)
    try:
        filter_id = FILTER_ID.validate_python(request.match_info["filter_id"])
    except ValidationError:
        raise ApiError(
            400,
            "invalid_input",
            "invalid path: check filter_id",
            [{"field": "filter_id", "message": "a row id"}],
        ) from None
    user_id = _user(who)
    form = await request.post()
    back = str(form.get("back", ""))
    services = request.app[SERVICES]

    def run(session: Session) -> saved_filters.SavedFilter | None:
        with session.begin():
            return saved_filters.delete_filter(session, user_id, filter_id)

    gone = await asyncio.to_thread(in_session, services.factory, run)
    if gone is None:
        raise ApiError(404, "not_found", f"no saved filter {filter_id} of yours")
    # Back to the page the form was on (a path of this site only, never elsewhere).
    return see_other(back if back.startswith("/reports") and "//" not in back else "/reports")


# -- one call ------------------------------------------------------------------------------


def _local(value: Any, tz: Any) -> str:
    if not value:
        return "-"
    return dt.datetime.fromisoformat(str(value)).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _seconds(ms: Any) -> str:
    return "-" if ms is None else f"{ms / 1000:.1f}"


def call_words(gettext: Callable[[str], str], lang: str) -> dict[str, str]:
    """The history's values (outcomes, results, roles) for a person, in the page's language:
    outcomes from the reports' vocabulary (the same words as in the reports), the rest here."""
    return {
        **words.in_language(words.QUEUE_OUTCOMES, lang),
        **words.in_language(words.CALL_OUTCOMES, lang),
        "caller": gettext("the caller"),
        "agent": gettext("the agent"),
        "transfer": gettext("a transfer"),
        "no_answer": gettext("no answer"),
        "canceled": gettext("cancelled"),
        "dump": gettext("rejected by the agent"),
        "local": gettext("local channel"),
        "trunk": gettext("trunk"),
        "other": gettext("other"),
        "blind": gettext("blind"),
        "attended": gettext("attended"),
    }


def cause_words(gettext: Callable[[str], str]) -> dict[int, str]:
    """The usual Q.850 hangup causes, named (others are shown as their number)."""
    return {
        16: gettext("normal hangup"),
        17: gettext("busy"),
        18: gettext("no response"),
        19: gettext("no answer"),
        21: gettext("call rejected"),
        26: gettext("answered elsewhere"),
        27: gettext("destination out of order"),
        28: gettext("invalid number"),
        31: gettext("normal, unspecified"),
        34: gettext("no circuit available"),
        38: gettext("network out of order"),
        127: gettext("interworking error"),
    }


@requires(Scope.HISTORY_READ)
async def call_page(request: web.Request) -> web.Response:
    who = principal(request)
    try:
        call_id = FILTER_ID.validate_python(request.match_info["call_id"])
    except ValidationError:
        raise ApiError(
            400,
            "invalid_input",
            "invalid path: check call_id",
            [{"field": "call_id", "message": "a row id"}],
        ) from None
    visibility = history_visibility(request, Scope.HISTORY_READ)
    services = request.app[SERVICES]

    def read(session: Session) -> tuple[dict[str, Any] | None, Any]:
        return queries.call_detail(session, call_id, visibility), site_zone(session)

    detail, tz = await asyncio.to_thread(in_session, services.factory, read)
    if detail is None:
        raise ApiError(404, "not_found", f"no call {call_id} in the history you may read")
    play = allows(who, Scope.RECORDINGS_READ)
    shown = {
        **detail,
        "started": _local(detail["started_at"], tz),
        "answered": _local(detail["answered_at"], tz),
        "ended": _local(detail["ended_at"], tz),
        "duration": _seconds(detail["duration_ms"]),
        "legs": [
            {
                **leg,
                "entered": _local(leg["entered_at"], tz),
                "wait": _seconds(leg["wait_ms"]),
                "attempts": [
                    {**a, "rang": _local(a["rang_at"], tz), "ring": _seconds(a["ring_ms"])}
                    for a in leg["attempts"]
                ],
            }
            for leg in detail["legs"]
        ],
        "handlings": [
            {
                **h,
                "start": _local(h["talk_start"], tz),
                "talk": _seconds(h["talk_ms"]),
                "hold": _seconds(h["hold_ms"]),
            }
            for h in detail["handlings"]
        ],
        "transfers": [{**t, "when": _local(t["at"], tz)} for t in detail["transfers"]],
        "channels": [
            {**c, "created": _local(c["created_at"], tz), "ended": _local(c["ended_at"], tz)}
            for c in detail["channels"]
        ],
        "recordings": [
            {
                **r,
                "start": _local(r["started_at"], tz),
                "length": _seconds(r["duration_ms"]),
                "src": f"/api/v1/recordings/{r['id']}/file" if play else None,
            }
            for r in detail["recordings"]
        ],
    }
    lang = language(request)
    gettext = i18n.translations(lang).gettext
    return signed_in_page(request, "reports/call.html", "reports", call=shown, may_play=play,
                          words=call_words(gettext, lang), causes=cause_words(gettext),
                          back=_back_to_reports(request))  # fmt: skip


def _back_to_reports(request: web.Request) -> str:
    """Where "back" leads from a call's page: the report page it was opened from (same site),
    else the reports' index."""
    referer = request.headers.get("Referer", "")
    path = referer.split("//", 1)[-1].partition("/")[2] if referer else ""
    same_host = referer.split("//", 1)[-1].startswith(request.host)
    return f"/{path}" if same_host and path.startswith("reports/") else "/reports"


def routes() -> web.RouteTableDef:
    """The index, one page and one PDF per report of the registry, the filters, one call."""
    table = web.RouteTableDef()
    printing = threading.BoundedSemaphore(PDF_AT_ONCE)
    table.get("/reports")(index)
    for spec in REPORTS:
        table.get(f"/reports/{spec.name}")(report_page(spec))
    # One route for the PDFs (the report is checked by name in it): printing is slow, and a
    # route per report would only repeat the page's.
    table.get("/reports/{name}/pdf")(report_pdf(printing))
    table.post("/reports/filters")(save_filter)
    table.post("/reports/filters/{filter_id}/delete")(delete_filter)
    table.get("/reports/calls/{call_id}")(call_page)
    return table
