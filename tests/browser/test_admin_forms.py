"""The object forms of /admin in Chromium: nested settings as rows (a queue's members, an IVR
menu's keys with their destinations, a time condition's rules), added with the row widget and
saved through the importer; a bad nested value shows the importer's message, in the page's
language, at its row and nothing is stored or applied; prompts are chosen among the
converted ones. Screenshots of the forms in Chinese and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from controller.dialplan.apply import ApplyReport, Outcome
from controller.dialplan.service import Applied
from controller.pbxconfig.export import export_config
from controller.pbxconfig.revision import current_revision
from controller.web.config_apply import ApplyRunner, PendingFile
from tests.browser.conftest import draws_chinese, make_user, screenshot, sign_in
from tests.unit.test_prompts import tone
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


class Dialplan:
    """Counts applies: a save must never apply."""

    def __init__(self) -> None:
        self.applied = 0

    def pending(self) -> list[PendingFile]:
        return []

    async def apply(self, progress: object = None) -> Applied:
        self.applied += 1
        return Applied(ApplyReport(Outcome.NOTHING, [], []), [])


def _revision(api: Api) -> int:
    with api.factory() as session:
        return current_revision(session)


def _config(api: Api) -> object:
    with api.factory() as session:
        return export_config(session)


async def add_row(page: Page, rows: str) -> Locator:
    """Click "add a row" under the rows of field ``rows``; the new row."""
    widget = page.locator(f'[data-rows="{rows}"]')
    before = await widget.locator("tbody tr[data-path]").count()
    await widget.locator("button.add-row").click()
    await expect(widget.locator("tbody tr[data-path]")).to_have_count(before + 1)
    return widget.locator("tbody tr[data-path]").last


async def add_member(page: Page, agent: str, penalty: str = "") -> None:
    """A queue form: one more member (the agent chosen in the row's select)."""
    row = await add_row(page, "members")
    await row.locator('td[data-path$=".agent"] select').select_option(agent)
    if penalty:
        await row.locator('td[data-path$=".penalty"] input').fill(penalty)


async def add_option(page: Page, key: str, kind: str, target: str) -> None:
    """An IVR menu's form: one more key leading to ``kind``:``target``."""
    row = await add_row(page, "options")
    await row.locator('td[data-path$=".key"] select').select_option(key)
    await row.locator("select.dest-kind").select_option(kind)
    if target:
        await row.locator(f'[data-kind~="{kind}"]:not([disabled])').select_option(target)


async def _ready(page: Page) -> None:
    await page.wait_for_function("() => document.documentElement.dataset.adminForm === 'ready'")


async def test_queue_members_are_rows_and_a_bad_one_is_shown_at_its_row(
    api: Api, browser: Browser
) -> None:
    dialplan = Dialplan()
    api.services.config_apply = ApplyRunner(dialplan, api.factory)  # type: ignore[arg-type]
    try:
        make_user(api, "it.chen", "admin")
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        base = await sign_in(api, page, "it.chen")
        await page.goto(f"{base}/admin/objects/queues/support?lang=zh")
        await _ready(page)
        await expect(page.locator('label[for="f-ring_seconds"]')).to_contain_text("振铃时长（秒）")
        members = page.locator('[data-rows="members"] tbody tr[data-path]')
        await expect(members).to_have_count(3)
        assert await draws_chinese(page, "成员坐席振铃策略")
        await screenshot(page, "admin-form-queue-zh")

        # A member added with the row widget: an agent from the select, a penalty.
        revision = _revision(api)
        await add_member(page, "8001", "4")
        await page.get_by_role("button", name="保存").click()
        await expect(page.locator(".notice.ok")).to_contain_text("已保存")
        queue = next(q for q in _config(api).queues if q.name == "support")  # type: ignore[attr-defined]
        assert [(m.agent, m.penalty) for m in queue.members][-1] == ("8001", 4)
        assert _revision(api) == revision + 1
        await expect(members).to_have_count(4)

        # A bad nested value: the importer's message, in Chinese, at that row; nothing saved.
        revision = _revision(api)
        await page.locator('[data-path="members[1].penalty"] input').fill("500")
        await page.get_by_role("button", name="保存").click()
        cell = page.locator('td[data-path="members[1].penalty"]')
        await expect(cell.locator(".field-error")).to_have_text("应小于或等于 100（填写的是 500）")
        await expect(cell.locator("input")).to_have_value("500")  # what was typed stays
        await expect(cell.locator("input")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator('td[data-path="members[0].penalty"] .field-error')).to_have_count(
            0
        )
        assert _revision(api) == revision
        assert dialplan.applied == 0
        await screenshot(page, "admin-form-row-error-zh")

        # The same in English; a member removed with its row's button.
        await page.goto(f"{base}/admin/objects/queues/support?lang=en")
        await _ready(page)
        await page.locator('[data-path="members[1].penalty"] input').fill("500")
        await page.get_by_role("button", name="Save").click()
        await expect(cell.locator(".field-error")).to_have_text(
            "Input should be less than or equal to 100 (got 500)"
        )
        await expect(page.locator('label[for="f-ring_seconds"]')).to_contain_text("Ring for")
        await screenshot(page, "admin-form-row-error-en")
        await page.locator('tr[data-path="members[1]"] button.remove-row').click()
        await page.get_by_role("button", name="Save").click()
        await expect(page.locator(".notice.ok")).to_be_visible()
        queue = next(q for q in _config(api).queues if q.name == "support")  # type: ignore[attr-defined]
        assert len(queue.members) == 3
        assert dialplan.applied == 0
        assert errors == []
    finally:
        api.services.config_apply = None


async def test_an_ivr_key_and_prompts_are_chosen_from_lists(
    api: Api, browser: Browser, tmp_path: Path
) -> None:
    sounds = tmp_path / "sounds"
    (sounds / "custom").mkdir(parents=True)
    (sounds / "custom" / "welcome-zh.wav").write_bytes(tone(8000, 1, 2, 1.0))
    (sounds / "en").mkdir()
    (sounds / "en" / "beep.wav").write_bytes(tone(8000, 1, 2, 0.2))  # Asterisk's, not offered
    api.services.sounds_dir = sounds
    try:
        make_user(api, "it.chen", "admin")
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        base = await sign_in(api, page, "it.chen")
        # A new prompt, named by no configuration yet, uploaded on the prompts page.
        await page.goto(f"{base}/admin/prompts?lang=zh")
        await page.wait_for_function(
            "() => { const e = document.querySelector('[x-data]'); return !!(e && e._x_dataStack); }"
        )
        recording = tmp_path / "新欢迎语.wav"
        recording.write_bytes(tone(44100, 2, 2, 2.0))
        await page.locator("#new-prompt").fill("custom/welcome-new")
        await page.locator('tr.new-prompt input[type="file"]').set_input_files(str(recording))
        await expect(page.locator(".notice")).to_have_text("custom/welcome-new:已保存,2 秒。")
        row = page.locator('tr[data-prompt="custom/welcome-new"]')
        await expect(row.locator(".length")).to_have_text("2.0 s")  # after the page's reload
        await expect(row).to_contain_text("尚未使用")
        used = page.locator('tr[data-prompt="custom/main-menu-zh"]')
        await expect(used).to_contain_text("IVR 菜单 'main' · 菜单提示音 (zh)")
        await screenshot(page, "admin-prompts-new-zh")

        await page.goto(f"{base}/admin/objects/ivr_menus/main?lang=zh")
        await _ready(page)
        prompt = page.locator('td[data-path="prompts[0].value"] select')
        offered = await prompt.locator("option").all_inner_texts()
        assert "custom/welcome-zh" in offered
        assert "custom/welcome-new" in offered
        assert not any(o.startswith("en/") for o in offered)
        assert any("尚无录音" in o for o in offered)  # the stored name, not converted yet
        await prompt.select_option("custom/welcome-zh")
        language = await page.locator('td[data-path="prompts[0].key"] select').input_value()
        await add_option(page, "7", "queue", "support")
        await screenshot(page, "admin-form-ivr-zh")
        await page.get_by_role("button", name="保存").click()
        await expect(page.locator(".notice.ok")).to_be_visible()
        menu = next(m for m in _config(api).ivr_menus if m.name == "main")  # type: ignore[attr-defined]
        assert str(menu.options["7"].destination) == "queue:support"
        assert menu.prompts[language] == "custom/welcome-zh"

        # A key typed twice is refused at its row.
        await add_option(page, "7", "hangup", "")
        await page.get_by_role("button", name="保存").click()
        await expect(page.locator("tr.row-error .field-error")).to_have_text("7 重复列出")
        await page.goto(f"{base}/admin/objects/ivr_menus/main?lang=en")
        await screenshot(page, "admin-form-ivr-en")
        assert errors == []
    finally:
        api.services.sounds_dir = None


async def test_time_rules_holidays_and_other_forms_in_both_languages(
    api: Api, browser: Browser
) -> None:
    make_user(api, "it.chen", "admin")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = await sign_in(api, page, "it.chen")
    # A rule ending before it starts: the schema's message at the rule's row, in Chinese.
    name = next(t.name for t in _config(api).time_conditions)  # type: ignore[attr-defined]
    await page.goto(f"{base}/admin/objects/time_conditions/{name}?lang=zh")
    await _ready(page)
    row = await add_row(page, "rules")
    await row.locator('input[value="sat"]').check()
    await row.locator('td[data-path$=".start"] input').fill("18:00")
    await row.locator('td[data-path$=".end"] input').fill("09:00")
    await page.get_by_role("button", name="保存").click()
    await expect(page.locator("tr.row-error .field-error")).to_contain_text(
        "结束时间须晚于开始时间"
    )
    await screenshot(page, "admin-form-time-condition-zh")
    await page.goto(f"{base}/admin/objects/time_conditions/{name}?lang=en")
    await screenshot(page, "admin-form-time-condition-en")
    for section in ("holiday_calendars", "extensions", "trunks", "outbound_routes", "agents"):
        key = await _first_key(page, base, section)
        for language in ("zh", "en"):
            await page.goto(f"{base}/admin/objects/{section}/{key}?lang={language}")
            await expect(page.locator("form.object")).to_be_visible()
            await screenshot(page, f"admin-form-{section}-{language}")
    for section in ("ivr_menus", "time_conditions"):  # a new object: its required rows
        await page.goto(f"{base}/admin/new/{section}?lang=zh")
        await expect(page.locator("form.object tbody tr[data-path]").first).to_be_visible()
        await screenshot(page, f"admin-form-new-{section}-zh")
    for language in ("zh", "en"):
        await page.goto(f"{base}/admin/site?lang={language}")
        await expect(page.locator("#f-timezone")).to_have_value("Asia/Shanghai")
        await screenshot(page, f"admin-form-site-{language}")
    assert errors == []


async def _first_key(page: Page, base: str, section: str) -> str:
    await page.goto(f"{base}/admin/objects/{section}")
    href = await page.locator("table.objects tbody a").first.get_attribute("href")
    assert href is not None
    return href.rsplit("/", 1)[1]


async def test_a_large_section_is_typed_with_suggestions(
    api: Api, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from controller.web.pages import admin

    monkeypatch.setattr(admin, "SELECT_LIMIT", 3)  # the example's agents count as many
    make_user(api, "it.chen", "admin")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = await sign_in(api, page, "it.chen")
    await page.goto(f"{base}/admin/objects/queues/support?lang=zh")
    await _ready(page)
    row = await add_row(page, "members")
    agent = row.locator('td[data-path$=".agent"] input')
    await agent.fill("800")
    await expect(page.locator("#dl-agents option").first).to_be_attached()
    suggested = await page.locator("#dl-agents option").evaluate_all("os => os.map(o => o.value)")
    assert suggested
    assert all("800" in value for value in suggested)
    queue = next(q for q in _config(api).queues if q.name == "support")  # type: ignore[attr-defined]
    chosen = next(v for v in suggested if v not in {m.agent for m in queue.members})
    await agent.fill(chosen)
    await page.get_by_role("button", name="保存").click()
    await expect(page.locator(".notice.ok")).to_be_visible()
    queue = next(q for q in _config(api).queues if q.name == "support")  # type: ignore[attr-defined]
    assert queue.members[-1].agent == chosen
    assert errors == []
