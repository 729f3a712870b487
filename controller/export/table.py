"""A report as an aligned text table for the terminal (Chinese characters count double)."""

from __future__ import annotations

import unicodedata

from controller.export.cells import text
from controller.reports.result import Report


def width(value: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def pad(value: str, size: int, right: bool) -> str:
    space = " " * (size - width(value))
    return space + value if right else value + space


def render(report: Report, language: str, columns: list[str] | None = None) -> str:
    shown = [c for c in report.columns if columns is None or c.key in columns]
    head = [c.title(language) for c in shown]
    body = [[text(c, row.get(c.key), language) for c in shown] for row in report.rows]
    sizes = [max([width(h)] + [width(line[i]) for line in body]) for i, h in enumerate(head)]
    numeric = [c.kind.value != "text" and c.kind.value != "time" for c in shown]
    lines = [report.title(language), ""]
    lines.append("  ".join(pad(h, s, n) for h, s, n in zip(head, sizes, numeric, strict=True)))
    lines.append("  ".join("-" * s for s in sizes))
    for line in body:
        lines.append("  ".join(pad(v, s, n) for v, s, n in zip(line, sizes, numeric, strict=True)))
    if report.notes:
        lines.append("")
        lines.extend(f"* {note.text(language)}" for note in report.notes)
    return "\n".join(lines) + "\n"
