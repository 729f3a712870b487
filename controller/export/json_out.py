"""A report as JSON: the API's body, for scripts."""

from __future__ import annotations

import json

from controller.reports.result import Report


def render(report: Report) -> bytes:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=1).encode("utf-8")
