"""A report in one of the output formats, as bytes (the CLI, the scheduled reports)."""

from __future__ import annotations

from controller.export import csv_out, json_out, pdf_out, table, xlsx_out
from controller.reports.result import Report

FORMATS = ("table", "csv", "xlsx", "json", "pdf")
BINARY = ("xlsx", "pdf")  # written to a file, never to a terminal


def render(report: Report, fmt: str, language: str, columns: list[str] | None = None) -> bytes:
    """``columns`` narrows the table format only."""
    if fmt == "table":
        return table.render(report, language, columns).encode()
    if fmt == "csv":
        return csv_out.render(report, language)
    if fmt == "json":
        return json_out.render(report) + b"\n"
    if fmt == "xlsx":
        return xlsx_out.render(report, language)
    if fmt == "pdf":
        return pdf_out.render(report, language)
    raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
