"""A report as its HTML page: the page the web UI shows and the PDF prints.

The template (``controller/web/templates/reports/print.html``, which includes
``reports/_report.html``) gets cells already written as text (export/cells.py) and the
chart's numbers in the page's JSON block; the page's script only draws them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from controller.export.cells import ROW_KEYS, everything, text
from controller.reports.result import Report, chart_rows
from controller.web.render import environment

LABELS = {
    "zh": {"empty": "此期间没有数据", "definitions": "定义"},
    "en": {"empty": "Nothing in this period", "definitions": "Definitions"},
}
PARAMS = {
    "zh": {"from": "开始", "to": "结束", "time_zone": "时区", "interval": "时段",
           "queues": "队列", "agents": "坐席", "service_level_variant": "服务水平公式"},
    "en": {"from": "From", "to": "To", "time_zone": "Time zone", "interval": "Interval",
           "queues": "Queues", "agents": "Agents", "service_level_variant": "SL formula"},
}  # fmt: skip


def context(report: Report, language: str) -> dict[str, Any]:
    lang = "zh" if language.startswith("zh") else "en"
    columns = [
        {"key": c.key, "title": c.title(lang), "kind": c.kind.value, "formula": c.formula_in(lang)}
        for c in report.columns
    ]
    rows = [
        {
            "cells": [text(c, row.get(c.key), lang) for c in report.columns],
            "everything": any(row.get(k) == "" for k in ROW_KEYS if k in row),
        }
        for row in report.rows
    ]
    names = PARAMS[lang]
    params = [
        (names.get(key, key), ", ".join(value) if isinstance(value, list) else str(value))
        for key, value in report.params.items()
        if value not in ("", [], None)
    ]
    chart = None
    if report.chart is not None and report.chart.kind == "timeline":
        chart = timeline_chart(report, lang)
    if report.chart is not None and report.chart.kind in ("line", "bar"):
        shown = chart_rows(report)
        x_column = report.column(report.chart.x)
        chart = {
            "title": report.title(lang),
            "kind": report.chart.kind,
            "x": [text(x_column, row.get(report.chart.x), lang) for row in shown],
            "series": [
                {"name": report.column(key).title(lang), "data": [row.get(key) for row in shown]}
                for key in report.chart.series
            ],
        }
    return {
        "language": lang,
        "title": report.title(lang),
        "columns": columns,
        "rows": rows,
        "params": params,
        "notes": [note.text(lang) for note in report.notes],
        "chart": chart,
        "labels": LABELS[lang],
        "page_data": {"language": lang, "chart": chart, "everything": everything(lang)},
    }


def render(report: Report, language: str, static: str = "/static") -> str:
    """The page's HTML; ``static`` is where the page finds its CSS and scripts."""
    template = environment().get_template("reports/print.html")
    return template.render(static=static, **context(report, language))


def _wall_ms(iso: str) -> int:
    """An instant written with the site's offset, as milliseconds of its wall-clock time read
    as UTC: the chart draws it with useUTC, so it shows the site's time in any browser."""
    local = dt.datetime.fromisoformat(iso)
    return round(local.replace(tzinfo=dt.UTC).timestamp() * 1000)


def timeline_chart(report: Report, lang: str) -> dict[str, Any]:
    """Each agent's states as bars along the day: [agent index, start, end, state, reason]."""
    state = report.column("state")
    agents: list[str] = []
    spans = []
    for row in report.rows:
        agent = str(row.get("agent"))
        if agent not in agents:
            agents.append(agent)
        spans.append([agents.index(agent), _wall_ms(row["start"]), _wall_ms(row["end"]),
                      text(state, row.get("state"), lang), row.get("reason") or ""])  # fmt: skip
    # The axis covers the window's days whole (a quiet morning still shows as one).
    first = dt.date.fromisoformat(str(report.params["from"]))
    last = dt.date.fromisoformat(str(report.params["to"])) + dt.timedelta(days=1)
    bounds = [_wall_ms(f"{day.isoformat()}T00:00:00+00:00") for day in (first, last)]
    return {"title": report.title(lang), "kind": "timeline", "agents": agents, "spans": spans,
            "min": bounds[0], "max": bounds[1]}  # fmt: skip
