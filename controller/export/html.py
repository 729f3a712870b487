"""A report as its HTML page: the page the web UI shows and the PDF prints.

The template (``controller/web/templates/reports/print.html``, which includes
``reports/_report.html``) gets cells already written as text (export/cells.py) and the
chart's numbers in the page's JSON block; the page's script only draws them.
"""

from __future__ import annotations

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
        {"key": c.key, "title": c.title(lang), "kind": c.kind.value, "formula": c.formula}
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
        "notes": list(report.notes),
        "chart": chart,
        "labels": LABELS[lang],
        "page_data": {"language": lang, "chart": chart, "everything": everything(lang)},
    }


def render(report: Report, language: str, static: str = "/static") -> str:
    """The page's HTML; ``static`` is where the page finds its CSS and scripts."""
    template = environment().get_template("reports/print.html")
    return template.render(static=static, **context(report, language))
