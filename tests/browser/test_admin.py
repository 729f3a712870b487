"""The admin pages in Chromium: an admin edits a queue (a bad value shows the importer's error
at its field and nothing is stored or applied; a good one is stored and shown by the export),
reviews the pending changes and applies them, following the result over the websocket; a
reports-role user cannot open /admin. Screenshots in Chinese and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from controller.dialplan.apply import ApplyReport, Outcome, Progress
from controller.dialplan.render import Module
from controller.dialplan.service import Applied
from controller.pbxconfig.export import export_config
from controller.pbxconfig.revision import current_revision
from controller.web.config_apply import ApplyRunner, PendingFile
from tests.browser.conftest import draws_chinese, make_user, screenshot, sign_in
from tests.unit.test_prompts import tone
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


class Dialplan:
    """Asterisk's side, as the page sees it: one pending file, an apply that reloads queues."""

    def __init__(self) -> None:
        self.applied = 0

    def pending(self) -> list[PendingFile]:
        diff = "--- a/queues.conf\n+++ b/queues.conf\n@@ -3 +3 @@\n-timeout=15\n+timeout=27"
        return [PendingFile("queues.conf", diff, 1, 1, False)]

    async def apply(self, progress: Progress = None) -> Applied:
        self.applied += 1
        return Applied(ApplyReport(Outcome.APPLIED, ["queues.conf"], [Module.QUEUES]), [])


def _revision(api: Api) -> int:
    with api.factory() as session:
        return current_revision(session)


def _queue(api: Api, name: str) -> dict[str, object]:
    with api.factory() as session:
        queue = next(q for q in export_config(session).queues if q.name == name)
    return queue.model_dump(mode="json")


async def _alpine_ready(page: Page) -> None:
    """Until the page's component is live (an input changed before would not be heard)."""
    await page.wait_for_function(
        "() => { const e = document.querySelector('[x-data]'); return !!(e && e._x_dataStack); }"
    )


async def _watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


async def test_an_admin_edits_a_queue_and_applies(api: Api, browser: Browser) -> None:
    dialplan = Dialplan()
    api.services.config_apply = ApplyRunner(dialplan, api.factory)  # type: ignore[arg-type]
    try:
        await _edit_and_apply(api, browser, dialplan)
    finally:
        api.services.config_apply = None


async def _edit_and_apply(api: Api, browser: Browser, dialplan: Dialplan) -> None:
    make_user(api, "it.chen", "admin")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    errors = await _watch_errors(page)
    base = await sign_in(api, page, "it.chen")
    await page.goto(f"{base}/admin")  # the home page has no bar of links
    await expect(page.locator("h1")).to_have_text("系统管理")
    await expect(page.locator("nav.pages a[aria-current]")).to_have_text("系统管理")
    assert await draws_chinese(page, "分机与话机队列")
    await screenshot(page, "admin-overview-zh")
    await page.goto(f"{base}/admin?lang=en")
    await screenshot(page, "admin-overview-en")
    await page.goto(f"{base}/admin?lang=zh")

    await page.locator("nav.sections").get_by_role("link", name="队列", exact=True).click()
    await page.locator("#q").fill("sup")
    await page.get_by_role("button", name="搜索").click()
    await expect(page.locator("table.objects tbody tr")).to_have_count(1)
    await page.get_by_role("link", name="support").click()
    await expect(page.locator("#f-ring_seconds")).to_be_visible()

    # A bad value: the importer's message at its field; nothing stored, nothing applied.
    revision = _revision(api)
    await page.locator("#f-ring_seconds").fill("0")
    await page.get_by_role("button", name="保存").click()
    field = page.locator('[data-field="ring_seconds"]')
    await expect(field.locator(".field-error")).to_have_text("应大于或等于 1（填写的是 0）")
    await expect(page.locator("#f-ring_seconds")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-ring_seconds")).to_have_value("0")  # what was typed stays
    assert _revision(api) == revision
    assert dialplan.applied == 0
    await screenshot(page, "admin-form-error-zh")
    await page.goto(f"{base}/admin/objects/queues/support?lang=en")
    await page.locator("#f-ring_seconds").fill("0")
    await page.get_by_role("button", name="Save").click()
    await expect(field.locator(".field-error")).to_have_text(
        "Input should be greater than or equal to 1 (got 0)"
    )
    await screenshot(page, "admin-form-error-en")

    # A good value: stored (a new revision; the export has it), not yet applied.
    await page.goto(f"{base}/admin/objects/queues/support?lang=zh")
    await page.locator("#f-ring_seconds").fill("27")
    await page.get_by_role("button", name="保存").click()
    await expect(page.locator(".notice.ok")).to_contain_text("已保存")
    assert _revision(api) == revision + 1
    assert _queue(api, "support")["ring_seconds"] == 27
    assert dialplan.applied == 0

    await page.get_by_role("link", name="待应用的更改与应用").first.click()
    await expect(page.locator("pre.diff")).to_contain_text("timeout=27")
    await expect(page.locator(".apply .connection.live")).to_have_count(1)  # Alpine, socket
    await page.get_by_role("button", name="应用").click()
    await expect(page.locator(".apply-result")).to_have_text("已应用:Asterisk 正在运行新配置。")
    await expect(page.locator(".apply")).to_contain_text("queues.conf")
    assert dialplan.applied == 1
    await screenshot(page, "admin-apply-zh")
    await page.goto(f"{base}/admin/changes?lang=en")
    await expect(page.locator(".apply-result")).to_have_text(
        "Applied: Asterisk runs the new configuration."
    )  # the last result, asked for again after the page (re)connects
    await screenshot(page, "admin-apply-en")
    # The browser logs the two refused saves' 422 answers; nothing else may fail.
    assert [e for e in errors if "status of 422" not in e] == []
    assert len(errors) == 2


async def test_two_admins_editing_one_queue_the_second_gets_a_conflict(
    api: Api, browser: Browser
) -> None:
    make_user(api, "it.chen", "admin")
    make_user(api, "it.wu", "admin")
    first = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    second = await browser.new_page(locale="en-US", viewport={"width": 1440, "height": 1000})
    base = await sign_in(api, first, "it.chen")
    await sign_in(api, second, "it.wu")
    await first.goto(f"{base}/admin/objects/queues/sales?lang=zh")
    await second.goto(f"{base}/admin/objects/queues/sales?lang=en")
    await first.locator("#f-weight").fill("5")
    await first.get_by_role("button", name="保存").click()
    await expect(first.locator(".notice.ok")).to_be_visible()
    # The second admin's form was opened before the first save.
    await second.locator("#f-weight").fill("9")
    await second.get_by_role("button", name="Save").click()
    conflict = second.locator(".conflict")
    await expect(conflict).to_contain_text("weight")
    await expect(conflict.locator("tbody tr")).to_have_count(1)
    assert _queue(api, "sales")["weight"] == 5
    await screenshot(second, "admin-conflict-en")


async def test_a_reports_user_cannot_open_admin(api: Api, browser: Browser) -> None:
    make_user(api, "manager.zhao", "reports")
    page = await browser.new_page()
    base = await sign_in(api, page, "manager.zhao")
    for path in ("/admin", "/admin/objects/queues/sales", "/admin/changes"):
        response = await page.goto(f"{base}{path}")
        assert response is not None
        assert response.status == 403


async def test_an_admin_uploads_a_prompt_and_hears_it(
    api: Api, browser: Browser, tmp_path: Path
) -> None:
    api.services.sounds_dir = tmp_path
    try:
        make_user(api, "it.chen", "admin")
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
        errors = await _watch_errors(page)
        base = await sign_in(api, page, "it.chen")
        await page.goto(f"{base}/admin/prompts")
        row = page.locator('tr[data-prompt="custom/main-menu-zh"]')
        await expect(row.locator(".missing")).to_have_text("缺失")
        recording = tmp_path / "upload" / "主菜单.wav"
        recording.parent.mkdir()
        recording.write_bytes(tone(44100, 2, 2, 3.0))
        await _alpine_ready(page)
        await row.locator('input[type="file"]').set_input_files(str(recording))
        await expect(page.locator(".notice")).to_have_text("custom/main-menu-zh:已保存,3 秒。")
        await expect(row.locator(".length")).to_have_text("3.0 s")  # after the page's reload
        assert (
            await row.locator("audio").evaluate(
                "a => fetch(a.src).then(r => r.headers.get('content-type'))"
            )
            == "audio/wav"
        )
        await screenshot(page, "admin-prompts-zh")
        await page.goto(f"{base}/admin/prompts?lang=en")
        await expect(row.locator(".length")).to_have_text("3.0 s")
        await screenshot(page, "admin-prompts-en")
        assert errors == []
    finally:
        api.services.sounds_dir = None


async def test_an_admin_imports_extensions_from_a_spreadsheet(
    api: Api, browser: Browser, tmp_path: Path
) -> None:
    make_user(api, "it.chen", "admin")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
    errors = await _watch_errors(page)
    base = await sign_in(api, page, "it.chen")
    await page.goto(f"{base}/admin/objects/extensions")
    await page.get_by_role("link", name="从表格导入").click()
    sheet = tmp_path / "新员工.csv"
    sheet.write_text("number,name,ring_seconds\n3201,仓库 一,30\n3202,仓库 二,\n",
                     encoding="utf-8")  # fmt: skip
    await _alpine_ready(page)
    await page.locator("#sheet").set_input_files(str(sheet))
    await expect(page.locator(".notice")).to_have_text("2 行:新增 2 个,修改 0 个。尚未保存。")
    assert "3201" not in [e.number for e in _extensions(api)]
    await screenshot(page, "admin-import-zh")
    await page.get_by_role("button", name="导入").click()
    await expect(page.locator(".notice")).to_have_text(
        "已导入:新增 2 个,修改 0 个。应用后 Asterisk 才会使用。"
    )
    assert {"3201", "3202"} <= {e.number for e in _extensions(api)}
    await page.goto(f"{base}/admin/import/extensions?lang=en")
    await screenshot(page, "admin-import-en")
    assert errors == []


def _extensions(api: Api) -> list[object]:
    with api.factory() as session:
        return list(export_config(session).extensions)
