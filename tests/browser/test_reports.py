"""The report pages in Chromium, on a seeded day of history (the report tests' fixture day):
the page's figures and chart equal the API's for the same filters, a figure's drill-down
lists exactly that many calls, the downloaded Excel file holds the same figures, the PDF
renders with pdftoppm, a recording plays in the page (and is audited), the abandoned list
calls back from the reader's phone, and the scope holds (a reports user cannot open /admin,
a supervisor of sales sees no support figure). Screenshots in Chinese and English."""

from __future__ import annotations

import asyncio
import io
import math
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import openpyxl
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import Engine, select

from controller.db.models import AuditEvent, Call, Recording
from controller.export.cells import text
from tests.browser.conftest import ARTIFACTS, draws_chinese, make_user, screenshot, sign_in
from tests.db.reports.fixtures import queue_day
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio

DAY = "2026-05-04"  # queue_day(): Monday in Shanghai


@pytest.fixture
def seeded(api: Api, api_engine: Engine) -> Api:
    """The fixture day written once into the module's database, beside the recorded calls."""
    with api.factory() as session:
        present = session.scalar(select(Call.id).where(Call.linkedid == "c1"))
    if present is None:
        queue_day().write(api_engine)
    return api


def _watch(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


async def _api(api: Api, name: str, *pairs: tuple[str, str], **query: str) -> dict:
    params = [*pairs, *query.items()]
    response = await api.client.get(f"/api/v1/reports/{name}", params=params, headers=api.auth)
    assert response.status == 200
    return await response.json()


async def _table(page: Page) -> list[dict[str, str]]:
    """The report table's body as {column key: text} per row, read from the DOM."""
    return await page.evaluate(
        """() => [...document.querySelectorAll('table.report-table tbody tr:not(.empty-gap)')]
             .map(tr =>
             Object.fromEntries([...tr.querySelectorAll('td[data-key]')].map(td =>
               [td.dataset.key, td.textContent.trim()])))"""
    )


async def test_the_queue_report_equals_the_api_and_drills_down(
    seeded: Api, browser: Browser
) -> None:
    api = seeded
    make_user(api, "manager.zhao", "reports", "zh")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    errors = _watch(page)
    base = await sign_in(api, page, "manager.zhao")
    await page.goto(f"{base}/reports/queues?from={DAY}&interval=hour")
    await expect(page.locator("body[data-chart-ready='1']")).to_have_count(1)
    body = await _api(api, "queues", **{"from": DAY, "interval": "hour"})
    shown = await _table(page)
    assert len(shown) == len(body["rows"])
    for dom, row in zip(shown, body["rows"], strict=True):
        for column in body["columns"]:
            key = column["key"]
            assert dom[key] == _text(column, row.get(key), "zh"), (key, row["interval"])
    # The chart was given the center's figures of each hour.
    series = await page.evaluate("() => window.pbxReportChart.getOption().series.map(s => s.data)")
    center = [r for r in body["rows"] if r["queue"] == ""]
    assert series == [[r[k] for r in center] for k in ("offered", "answered", "abandoned")]
    # Offered on May 4: c1-c9 and c11 (c10 is May 5's, c13 May 3's, c12 reached no queue).
    assert sum(series[0]) == 10
    assert await draws_chinese(page, "队列绩效")
    # The hours without calls are hidden (a note says how many where), shown on demand.
    marked = await page.evaluate(
        "() => [...document.querySelectorAll('tbody tr:not(.empty-gap)')]"
        ".map(tr => tr.classList.contains('empty-row'))"
    )
    empty = [r for r, hidden in zip(body["rows"], marked, strict=True) if hidden]
    assert empty
    assert all(r["offered"] == 0 and r["handled"] == 0 for r in empty)
    await expect(page.locator("tbody tr.empty-row:visible")).to_have_count(0)
    gaps = await page.locator("tbody tr.empty-gap").all_text_contents()
    assert sum(int("".join(ch for ch in g if ch.isdigit())) for g in gaps) == len(empty)
    await expect(page.locator("tbody tr:not(.empty-gap):visible")).to_have_count(
        len(body["rows"]) - len(empty)
    )
    await screenshot(page, "reports-queues-zh")
    await page.locator(".show-empty-rows").check()
    await expect(page.locator("tbody tr.empty-row:visible")).to_have_count(len(empty))
    await expect(page.locator("tbody tr.empty-gap:visible")).to_have_count(0)
    await screenshot(page, "reports-queues-all-hours-zh")
    await page.locator(".show-empty-rows").uncheck()
    await page.screenshot(path=str(ARTIFACTS / "reports-queues-zh-top.png"))  # the first screen
    await page.get_by_role("link", name="English").click()  # the filters stay
    await expect(page.locator("h1")).to_have_text("Queue performance")
    await expect(page.locator("body[data-chart-ready='1']")).to_have_count(1)
    assert "interval=hour" in page.url
    assert f"from={DAY}" in page.url
    await screenshot(page, "reports-queues-en")

    # Drill-down from the day's figure: the sales row's abandons (short ones apart).
    await page.goto(f"{base}/reports/queues?from={DAY}&lang=en")
    day = await _api(api, "queues", **{"from": DAY})
    sales = next(r for r in day["rows"] if r["queue"] == "sales")
    assert sales["abandoned"] == 2  # c4, c5 (c3 is short)
    cell = (
        page.locator("tbody tr").nth(day["rows"].index(sales)).locator('td[data-key="abandoned"] a')
    )
    await cell.click()
    await expect(page.locator("h1")).to_have_text("Call detail")
    await expect(page.locator(".paging")).to_have_attribute("data-total", "2")
    assert len(await _table(page)) == 2
    callers = {r["call_id"] for r in await _table(page)}
    with api.factory() as session:
        expected = {
            str(i) for i in session.scalars(select(Call.id).where(Call.linkedid.in_(["c4", "c5"])))
        }
    assert callers == expected
    await screenshot(page, "reports-detail-en")
    # A chart point drills down too: the center's offered at 09:00.
    await page.goto(f"{base}/reports/queues?from={DAY}&interval=hour&lang=en")
    await expect(page.locator("body[data-chart-ready='1']")).to_have_count(1)
    links = await page.evaluate(
        "() => JSON.parse(document.getElementById('page-data').textContent).chart.links[0]"
    )
    await page.goto(base + links[9])
    nine = next(r for r in center if r["interval"].endswith(" 09:00"))
    await expect(page.locator(".paging")).to_have_attribute("data-total", str(nine["offered"]))
    assert errors == []


def _text(column: dict, value: object, lang: str) -> str:
    from controller.reports.result import Column, Kind

    words = {code: (w["zh"], w["en"]) for code, w in column.get("words", {}).items()}
    return text(
        Column(column["key"], "", "", Kind(column["kind"]), words=words or None), value, lang
    )


async def test_exports_open_with_the_same_figures(
    seeded: Api, browser: Browser, tmp_path: Path
) -> None:
    api = seeded
    make_user(api, "manager.qian", "reports", "en")
    page = await browser.new_page(accept_downloads=True, viewport={"width": 1440, "height": 1000})
    errors = _watch(page)
    base = await sign_in(api, page, "manager.qian")
    await page.goto(f"{base}/reports/queues?from={DAY}&queue=sales&queue=support")
    body = await _api(api, "queues", ("queue", "sales"), ("queue", "support"), **{"from": DAY})
    async with page.expect_download() as info:
        await page.locator('a.export[data-format="xlsx"]').click()
    download = await info.value
    book_path = tmp_path / "queues.xlsx"
    await download.save_as(book_path)
    sheet = openpyxl.load_workbook(book_path).worksheets[0]
    head = [c.value for c in sheet[1]]
    assert head[:4] == ["Interval", "Queue", "Offered", "Answered"]
    for n, row in enumerate(body["rows"], start=2):
        for key, title in (("offered", "Offered"), ("answered", "Answered"),
                           ("abandoned", "Abandoned"), ("handled", "Handled")):  # fmt: skip
            assert sheet.cell(n, head.index(title) + 1).value == row[key]
    async with page.expect_download() as info:
        await page.locator('a.export[data-format="csv"]').click()
    csv_path = Path(await (await info.value).path())
    csv_text = await asyncio.to_thread(csv_path.read_text, encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Interval,Queue,Offered")

    # The PDF: the print page printed by Chromium, rendered back to an image by pdftoppm.
    assert shutil.which("pdftoppm"), "pdftoppm is missing: bash scripts/install.sh --test"
    async with page.expect_download(timeout=120_000) as info:
        await page.locator('a.export[data-format="pdf"]').click()
    pdf = tmp_path / "queues.pdf"
    await (await info.value).save_as(pdf)
    assert (await asyncio.to_thread(pdf.read_bytes))[:5] == b"%PDF-"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image = await asyncio.to_thread(
        subprocess.run, ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                         str(ARTIFACTS / "reports-queues-pdf")], capture_output=True, check=False,
    )  # fmt: skip
    assert image.returncode == 0, image.stderr
    assert list(ARTIFACTS.glob("reports-queues-pdf*.png"))
    words = await asyncio.to_thread(
        subprocess.run, ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=False
    )
    assert "Queue performance" in words.stdout.decode()
    assert errors == []


def _wav(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        frames = int(8000 * seconds)
        out.writeframes(
            b"".join(struct.pack("<h", int(8000 * math.sin(i / 8))) for i in range(frames))
        )
    return buffer.getvalue()


async def test_a_calls_recording_plays_in_the_page_and_is_audited(
    seeded: Api, browser: Browser
) -> None:
    api = seeded
    make_user(api, "manager.sun", "reports", "zh")
    with api.factory() as session:
        recording = session.scalars(select(Recording).where(Recording.call_id.isnot(None))).first()
        assert recording is not None
    target = api.services.recordings_dir / recording.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_wav())
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    errors = _watch(page)
    base = await sign_in(api, page, "manager.sun")
    await page.goto(f"{base}/reports/calls/{recording.call_id}")
    audio = page.locator(f'li[data-recording="{recording.id}"] audio')
    await expect(audio).to_have_count(1)
    duration = await audio.evaluate(
        """a => new Promise((done, fail) => {
             a.addEventListener('loadedmetadata', () => done(a.duration));
             a.addEventListener('error', () => fail(new Error('audio error ' + a.error.code)));
             a.load(); })"""
    )
    assert abs(duration - 1.0) < 0.05
    await screenshot(page, "reports-call-zh")
    with api.factory() as session:
        audited = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "recording.download", AuditEvent.actor == "manager.sun")).all()  # fmt: skip
    assert [e.object_id for e in audited][:1] == [str(recording.id)]
    await page.goto(f"{base}/reports/calls/{recording.call_id}?lang=en")
    await screenshot(page, "reports-call-en")
    assert errors == []


async def test_abandoned_calls_are_called_back_from_the_readers_phone(
    seeded: Api, browser: Browser
) -> None:
    api = seeded
    make_user(api, "lead.li", "supervisor", "zh", queues=["sales"])
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
    errors = _watch(page)
    base = await sign_in(api, page, "lead.li")
    await page.goto(f"{base}/reports/abandoned?from={DAY}")
    rows = await _table(page)
    assert {r["queue"] for r in rows} == {"sales"}  # c4, c5 (and the short c3)
    await page.locator('input[name="device"]').fill("PJSIP/1009")
    await page.locator('input[name="device"]').press("Tab")
    await page.locator("button.call-back").first.click()
    await expect(page.locator(".callback-device [role=status]")).to_contain_text("13800138000")
    originate = [f for name, f in api.fake_ami.sent if name == "Originate"]
    assert originate[-1]["Channel"] == "PJSIP/1009"
    await screenshot(page, "reports-abandoned-zh")
    await page.goto(f"{base}/reports/abandoned?from={DAY}&lang=en")
    await screenshot(page, "reports-abandoned-en")
    # A supervisor of sales: no support figure, and support is refused by name.
    await page.goto(f"{base}/reports/queues?from={DAY}")
    assert {r["queue"] for r in await _table(page)} == {"全部", "sales"}
    response = await page.goto(f"{base}/reports/queues?from={DAY}&queue=support")
    assert response is not None
    assert response.status == 403
    await expect(page.locator("[role=alert]")).to_contain_text("support")
    assert [e for e in errors if "403" not in e] == []


async def test_a_reports_user_cannot_open_admin_and_the_index_lists_saved_filters(
    seeded: Api, browser: Browser
) -> None:
    api = seeded
    make_user(api, "manager.zhou", "reports", "zh")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    base = await sign_in(api, page, "manager.zhou")
    await page.locator(".home-pages").get_by_role("link", name="报表").click()  # from home
    await expect(page.locator("h1")).to_have_text("报表")
    response = await page.goto(f"{base}/admin")
    assert response is not None
    assert response.status == 403
    await page.goto(f"{base}/reports/queues?period=last_week")
    await page.locator('.save-filter input[name="name"]').fill("上周 全部队列")
    await page.locator(".save-filter button").click()
    await expect(page.locator("a.saved-filter")).to_have_text("上周 全部队列")
    assert "period=last_week" in page.url
    await page.goto(f"{base}/reports")
    await expect(page.locator("a.saved-filter")).to_have_text("队列绩效: 上周 全部队列")
    await screenshot(page, "reports-index-zh")
    await page.goto(f"{base}/reports?lang=en")
    await screenshot(page, "reports-index-en")


async def test_the_agent_timeline_is_drawn_along_the_day(seeded: Api, browser: Browser) -> None:
    api = seeded
    make_user(api, "manager.wu", "reports", "zh")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
    errors = _watch(page)
    base = await sign_in(api, page, "manager.wu")
    await page.goto(f"{base}/reports/timeline?from={DAY}")
    await expect(page.locator("body[data-chart-ready='1']")).to_have_count(1)
    body = await _api(api, "timeline", **{"from": DAY})
    drawn = await page.evaluate(
        "() => window.pbxReportChart.getOption().series.map(s => [s.name, s.data.length])"
    )
    states = {}
    for row in body["rows"]:
        shown = _text(next(c for c in body["columns"] if c["key"] == "state"), row["state"], "zh")
        states[shown] = states.get(shown, 0) + 1
    assert dict(drawn) == states
    assert "通话中" in states  # the states in words of the page's language, not on_call
    assert sum(states.values()) == len(body["rows"]) > 0
    await screenshot(page, "reports-timeline-zh")
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("body[data-chart-ready='1']")).to_have_count(1)
    await screenshot(page, "reports-timeline-en")
    assert errors == []
