"""Every formula a report column shows has its Chinese text (a Chinese page would otherwise
define its figures in English)."""

from __future__ import annotations

import ast
from pathlib import Path

import controller.reports
from controller.reports import words
from controller.reports.result import Column, Kind
from controller.reports.service_level import FORMULAS

REPORTS = Path(controller.reports.__file__).parent


def _formulas() -> set[str]:
    """The formula of every ``Column(...)`` written in the reports' code."""
    found = set()
    for path in REPORTS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Column"):
                continue
            given = node.args[4] if len(node.args) >= 5 else None
            given = next((k.value for k in node.keywords if k.arg == "formula"), given)
            if isinstance(given, ast.Constant) and given.value:
                found.add(given.value)
    return found | set(FORMULAS.values())


def test_every_formula_has_its_chinese() -> None:
    formulas = _formulas()
    assert "answered ÷ offered" in formulas  # the scan found the columns
    assert sorted(formulas - set(words.FORMULAS_ZH)) == []


def test_a_column_reads_its_formula_in_the_language_asked() -> None:
    column = Column("answer_rate", "接通率", "Answer rate", Kind.RATE, "answered ÷ offered")
    assert column.formula_in("zh") == "接通 ÷ 呼入量"
    assert column.formula_in("en") == "answered ÷ offered"
    unknown = Column("x", "x", "x", Kind.COUNT, "something new")
    assert unknown.formula_in("zh") == "something new"
