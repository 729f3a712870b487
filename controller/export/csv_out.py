"""A report as CSV: UTF-8 with a byte-order mark, so Excel on Windows reads Chinese."""

from __future__ import annotations

import csv
import io

from controller.export.cells import plain
from controller.reports.result import Report

BOM = "\ufeff"


def render(report: Report, language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title(language) for c in report.columns])
    for row in report.rows:
        writer.writerow([plain(c, row.get(c.key), language) for c in report.columns])
    return (BOM + out.getvalue()).encode("utf-8")
