"""How a report's values read as text, the same in every output."""

from __future__ import annotations

from typing import Any

from controller.reports.result import Column, Kind

ALL = {"zh": "全部", "en": "All"}
# "" in these columns is the row of everything together.
ROW_KEYS = ("queue", "agent", "trunk", "route")


def everything(language: str) -> str:
    return ALL["zh" if language.startswith("zh") else "en"]


def text(column: Column, value: Any, language: str = "zh") -> str:
    """A value for a person: rates as percentages, seconds with one decimal, ``-`` for None."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if column.words is not None and isinstance(value, str) and value in column.words:
        zh, en = column.words[value]
        return zh if language.startswith("zh") else en
    if column.kind is Kind.RATE:
        return f"{value * 100:.1f}%"
    if column.kind is Kind.SECONDS and isinstance(value, float):
        return f"{value:.1f}"
    if column.key in ROW_KEYS and value == "":
        return everything(language)
    if column.kind is Kind.TIME and isinstance(value, str):
        return when(value)
    return str(value)


def when(value: str) -> str:
    """An instant as the site's wall clock reads it: ``2026-05-04 09:05:00`` for
    ``2026-05-04T09:05:00+08:00`` (reports write instants in the site's offset; the time
    zone is in the report's parameters)."""
    day, sep, clock = value.partition("T")
    if not sep or len(day) != 10:
        return value
    return f"{day} {clock[:8]}"


def plain(column: Column, value: Any, language: str = "zh") -> Any:
    """A value for a machine (CSV): numbers as numbers, rates 0..1, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if column.key in ROW_KEYS and value == "":
        return everything(language)
    return value
