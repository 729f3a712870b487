"""Exports are written from a Report alone: CSV, Excel, the HTML page and the terminal table."""

from __future__ import annotations

import io
import zipfile

from controller.export import csv_out, html, table, xlsx_out
from controller.reports.result import Chart, Column, Kind, Note, Report
from controller.reports.words import QUEUE_OUTCOMES

REPORT = Report(
    "queues", "队列绩效", "Queue performance",
    (
        Column("interval", "时段", "Interval", Kind.TEXT),
        Column("queue", "队列", "Queue", Kind.TEXT),
        Column("offered", "呼入量", "Offered", Kind.COUNT, "legs entered"),
        Column("service_level", "服务水平", "Service level", Kind.RATE, "answered≤T ÷ answered"),
        Column("asa", "平均应答时间", "ASA", Kind.SECONDS),
    ),
    [
        {"interval": "2026-05-04", "queue": "", "offered": 10, "service_level": 0.2857, "asa": 33.0},
        {"interval": "2026-05-04", "queue": "sales", "offered": 9, "service_level": None, "asa": None},
    ],
    params={"from": "2026-05-04", "to": "2026-05-04", "queues": []},
    notes=(Note("通话计入其进入队列的时段", "a call belongs to the interval it entered"),),
    chart=Chart("line", "interval", ("offered",), ("queue", "")),
)  # fmt: skip


def test_csv_is_utf8_with_a_bom_and_plain_numbers() -> None:
    data = csv_out.render(REPORT, "zh")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines == ["时段,队列,呼入量,服务水平,平均应答时间",
                     "2026-05-04,全部,10,0.2857,33.0", "2026-05-04,sales,9,,"]  # fmt: skip


def test_xlsx_has_chinese_sheets_a_native_chart_and_number_formats() -> None:
    data = xlsx_out.render(REPORT, "zh")
    book = zipfile.ZipFile(io.BytesIO(data))
    workbook = book.read("xl/workbook.xml").decode()
    for name in ("队列绩效", "图表", "说明"):
        assert f'name="{name}"' in workbook
    assert any(n.startswith("xl/charts/chart") for n in book.namelist())
    chart = book.read("xl/charts/chart1.xml").decode()
    assert "<c:lineChart>" in chart
    styles = book.read("xl/styles.xml").decode()
    assert 'formatCode="0.0%"' in styles
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>0.2857</v>" in sheet  # a number, shown as a percentage by its format


def test_the_html_page_carries_the_chart_data_and_formulas() -> None:
    page = html.render(REPORT, "en", static="/static")
    assert "<h1>Queue performance</h1>" in page
    assert "28.6%" in page
    assert '"series": [{"data": [10], "name": "Offered"}]' in page  # the center only
    assert "<b>Service level</b> = answered≤T ÷ answered" in page
    assert "<script>" not in page  # no inline script: the page's CSP allows none
    assert "<li>a call belongs to the interval it entered</li>" in page
    assert "<li>通话计入其进入队列的时段</li>" in html.render(REPORT, "zh", static="/static")


def test_the_terminal_table_aligns_chinese() -> None:
    text = table.render(REPORT, "zh")
    lines = text.splitlines()
    assert lines[2].startswith("时段        队列   呼入量")
    assert lines[4].split() == ["2026-05-04", "全部", "10", "28.6%", "33.0"]
    assert lines[5].split() == ["2026-05-04", "sales", "9", "-", "-"]
    assert lines[-1] == "* 通话计入其进入队列的时段"
    assert table.render(REPORT, "en").splitlines()[-1] == (
        "* a call belongs to the interval it entered"
    )


def test_codes_read_as_words_for_people_and_stay_codes_for_machines() -> None:
    column = Column("ended", "结果", "Ended", Kind.TEXT, words=QUEUE_OUTCOMES)
    lost = Report("abandoned", "放弃呼叫", "Lost calls", (column,),
                  [{"ended": "short_abandoned"}, {"ended": "something_new"}])  # fmt: skip
    lines = [line.strip() for line in table.render(lost, "zh").splitlines()]
    assert lines[4:6] == ["短时放弃", "something_new"]
    assert "short abandon" in table.render(lost, "en")
    csv = csv_out.render(lost, "zh").decode("utf-8-sig").splitlines()
    assert csv[1] == "short_abandoned"  # the code, for a spreadsheet's formulas
