"""What every report returns: typed columns and plain rows, the one input of every output.

The CLI's table, the API's JSON, the CSV, the Excel workbook and the printed page are all
written from a :class:`Report`, never from a report's SQL, so they cannot disagree. Values
are plain: int, float (rates 0..1, seconds), str (text; money as exact decimal text) or
None ("nothing to count").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from controller.reports import words


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    SECONDS = "seconds"  # a duration in seconds (float)
    RATE = "rate"  # a share 0..1, shown as a percentage
    TIME = "time"  # an instant, ISO 8601 with the site's offset
    NUMBER = "number"  # a measured quantity with decimals (float), e.g. a load in Erlangs
    # An exact amount of money: a string with 4 decimals ("12.3400", never a float); the
    # currency is in a column of its own. Sum it as Decimal.
    MONEY = "money"


@dataclass(frozen=True, slots=True)
class Note:
    """A sentence of a report in both languages (a definition that applies to all of it).
    ``str()`` is the English: the CLI's table and the API's JSON."""

    zh: str
    en: str

    def text(self, language: str) -> str:
        return self.zh if language.startswith("zh") else self.en

    def __str__(self) -> str:
        return self.en


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    zh: str
    en: str
    kind: Kind = Kind.COUNT
    formula: str = ""  # shown next to the number (docs/reports.md defines each)
    drill: bool = False  # the drill-down lists the calls behind this figure
    # A TEXT column of codes (outcomes, states): each code in words, (zh, en); a machine's
    # output (CSV, JSON) keeps the code.
    words: Mapping[str, tuple[str, str]] | None = None

    def title(self, language: str) -> str:
        return self.zh if language.startswith("zh") else self.en

    def formula_in(self, language: str) -> str:
        return words.formula(self.formula, language)


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart of the report: ``series`` (column keys) against the ``x`` column."""

    kind: str  # line, bar
    x: str
    series: tuple[str, ...]
    # Rows shown: those whose `where` column has this value (e.g. the center's rows only).
    where: tuple[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)  # window, interval, filters, variant
    notes: tuple[Note, ...] = ()  # definitions that apply to the whole report
    chart: Chart | None = None

    def title(self, language: str) -> str:
        return self.zh if language.startswith("zh") else self.en

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.name,
            "title": {"zh": self.zh, "en": self.en},
            "params": self.params,
            "columns": [
                {
                    "key": c.key,
                    "title": {"zh": c.zh, "en": c.en},
                    "kind": c.kind.value,
                    "formula": c.formula,
                    "drill": c.drill,
                    # A column of codes: each code in words (the rows keep the codes).
                    **(
                        {"words": {k: {"zh": zh, "en": en} for k, (zh, en) in c.words.items()}}
                        if c.words
                        else {}
                    ),
                }
                for c in self.columns
            ],
            "rows": self.rows,
            "notes": [str(note) for note in self.notes],
        }


def rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def chart_rows(report: Report) -> Sequence[dict[str, Any]]:
    if report.chart is None or report.chart.where is None:
        return report.rows
    key, value = report.chart.where
    return [row for row in report.rows if row.get(key) == value]
