"""A report as an Excel workbook (XlsxWriter): the table, a native chart, the definitions.

Sheets (named in the report's language; Chinese names work in Excel and WPS): the report's
table with a formatted header, frozen panes and filters, numbers kept as numbers (rates as
percentages, seconds with one decimal); a chart sheet with the charted rows and Excel's own
line or bar chart of them; and a sheet with the parameters and each column's formula.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import xlsxwriter

from controller.export.cells import plain, text
from controller.reports.result import Column, Kind, Report, chart_rows

_BAD = re.compile(r"[\[\]:*?/\\]")
SHEETS = {"zh": ("图表", "说明"), "en": ("Chart", "Notes")}


def sheet_name(title: str) -> str:
    return _BAD.sub(" ", title)[:31] or "report"


def _formats(book: Any) -> dict[str, Any]:
    return {
        "head": book.add_format(
            {"bold": True, "bg_color": "#DDE7F3", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        Kind.COUNT.value: book.add_format({"num_format": "0"}),
        Kind.SECONDS.value: book.add_format({"num_format": "0.0"}),
        Kind.RATE.value: book.add_format({"num_format": "0.0%"}),
        Kind.TEXT.value: book.add_format({}),
        Kind.TIME.value: book.add_format({}),
        Kind.NUMBER.value: book.add_format({"num_format": "0.00"}),
        Kind.MONEY.value: book.add_format({"num_format": "0.0000"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
    }


def _cell(sheet: Any, row: int, col: int, column: Column, value: Any, fmt: dict[str, Any],
          language: str) -> None:  # fmt: skip
    if value is None:
        sheet.write_blank(row, col, None, fmt[column.kind.value])
    elif isinstance(value, bool) or column.kind in (Kind.TEXT, Kind.TIME):
        sheet.write_string(row, col, str(text(column, value, language)), fmt[column.kind.value])
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt[column.kind.value])
    elif column.kind is Kind.MONEY:  # exact decimal text; Excel holds it as a number
        sheet.write_number(row, col, float(Decimal(value)), fmt[column.kind.value])
    else:
        sheet.write(row, col, plain(column, value, language), fmt[column.kind.value])


def render(report: Report, language: str) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    fmt = _formats(book)
    lang = "zh" if language.startswith("zh") else "en"
    table = book.add_worksheet(sheet_name(report.title(lang)))
    for col, column in enumerate(report.columns):
        table.write_string(0, col, column.title(lang), fmt["head"])
        table.set_column(col, col, max(10, min(24, len(column.title(lang)) * 2)))
    for row_number, row in enumerate(report.rows, start=1):
        for col, column in enumerate(report.columns):
            _cell(table, row_number, col, column, row.get(column.key), fmt, lang)
    table.freeze_panes(1, 2 if len(report.columns) > 2 else 0)
    table.autofilter(0, 0, max(1, len(report.rows)), len(report.columns) - 1)
    chart_sheet, notes_sheet = SHEETS[lang]
    if report.chart is not None and report.chart.kind in ("line", "bar"):
        _chart(book, book.add_worksheet(chart_sheet), report, fmt, lang)
    _notes(book.add_worksheet(notes_sheet), report, fmt, lang)
    book.close()
    return out.getvalue()


def _chart(book: Any, sheet: Any, report: Report, fmt: dict[str, Any], lang: str) -> None:
    assert report.chart is not None
    rows = list(chart_rows(report))
    keys = (report.chart.x, *report.chart.series)
    columns = [report.column(key) for key in keys]
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.title(lang), fmt["head"])
        for n, row in enumerate(rows, start=1):
            _cell(sheet, n, col, column, row.get(column.key), fmt, lang)
    chart = book.add_chart({"type": "line" if report.chart.kind == "line" else "column"})
    name = sheet.get_name()
    last = max(1, len(rows))
    for col in range(1, len(columns)):
        chart.add_series({
            "name": [name, 0, col],
            "categories": [name, 1, 0, last, 0],
            "values": [name, 1, col, last, col],
        })  # fmt: skip
    chart.set_title({"name": report.title(lang)})
    chart.set_size({"width": 960, "height": 420})
    chart.set_legend({"position": "bottom"})
    sheet.insert_chart(1, len(columns) + 1, chart)


def _notes(sheet: Any, report: Report, fmt: dict[str, Any], lang: str) -> None:
    sheet.write_string(0, 0, report.title(lang), fmt["title"])
    line = 2
    for key, value in report.params.items():
        sheet.write_string(line, 0, str(key))
        sheet.write_string(line, 1, ", ".join(value) if isinstance(value, list) else str(value))
        line += 1
    line += 1
    for note in report.notes:
        sheet.write_string(line, 0, note.text(lang))
        line += 1
    line += 1
    heads = ("列", "公式") if lang == "zh" else ("Column", "Formula")
    sheet.write_string(line, 0, heads[0], fmt["head"])
    sheet.write_string(line, 1, heads[1], fmt["head"])
    for column in report.columns:
        line += 1
        sheet.write_string(line, 0, column.title(lang))
        sheet.write_string(line, 1, column.formula_in(lang))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 70)
