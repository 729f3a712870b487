"""Every column kind can be exported; money stays exact text in CSV and is a number in Excel."""

from __future__ import annotations

import io
import zipfile

import xlsxwriter

from controller.export import csv_out, xlsx_out
from controller.reports.result import Column, Kind, Report

REPORT = Report(
    "cost",
    "话费",
    "Call cost",
    (
        Column("interval", "时段", "Interval", Kind.TEXT),
        Column("trunk", "中继", "Trunk", Kind.TEXT),
        Column("minutes", "计费分钟", "Billed minutes", Kind.NUMBER),
        Column("cost", "话费", "Cost", Kind.MONEY),
    ),
    [
        {"interval": "2026-05", "trunk": "", "minutes": 5.7, "cost": "0.6620"},
        {"interval": "2026-05", "trunk": "telecom", "minutes": 3.0, "cost": "0.2400"},
    ],
)


def test_every_kind_has_an_excel_format() -> None:
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    formats = xlsx_out._formats(book)
    book.close()
    assert {kind.value for kind in Kind} <= set(formats)


def test_money_and_numbers_in_excel_and_csv() -> None:
    data = xlsx_out.render(REPORT, "zh")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>0.662</v>" in sheet  # a number cell, shown with 4 decimals
    assert "0.0000" in zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    text = csv_out.render(REPORT, "en").decode("utf-8-sig")
    assert "2026-05,All,5.7,0.6620" in text  # exact text; the all-trunks row named
