"""Apply's progress in Chromium: the steps appear one after the other as the apply tells them
over the websocket (prompts, lint, write, reload and confirm of each module), then one result;
a refused apply names the object and field at fault, linked to its form. Screenshots in
Chinese and English."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser, Page, expect

from controller import prompts
from controller.dialplan.apply import ApplyReport, ApplyStep, Outcome, Progress
from controller.dialplan.render import Module
from controller.dialplan.service import Applied
from controller.web.config_apply import ApplyRunner, PendingFile
from tests.browser.conftest import make_user, screenshot, sign_in
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio

STEPS = [
    ApplyStep("prompts", "done"),
    ApplyStep("lint", "start"),
    ApplyStep("lint", "done"),
    ApplyStep("write", "start", "", "queues.conf, extensions_ivr.conf"),
    ApplyStep("write", "done", "", "queues.conf, extensions_ivr.conf"),
    ApplyStep("reload", "start", "pbx_config"),
    ApplyStep("reload", "done", "pbx_config"),
    ApplyStep("reload", "start", "app_queue"),
    ApplyStep("reload", "done", "app_queue"),
    ApplyStep("confirm", "done", "pbx_config"),
    ApplyStep("confirm", "done", "app_queue"),
]
MISSING = prompts.PromptUse(
    "custom/main-menu-zh", "zh", "IVR menu 'main' prompts[zh]", "ivr_menus", "main", "prompts.zh"
)


class Dialplan:
    """An apply that tells its steps one at a time, each held until the test lets it go."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.gate: asyncio.Queue[None] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()

    def pending(self) -> list[PendingFile]:
        return [PendingFile("queues.conf", "--- a\n+++ b\n+timeout=27", 1, 0, False)]

    def release(self) -> None:
        self.loop.call_soon_threadsafe(self.gate.put_nowait, None)

    async def apply(self, progress: Progress = None) -> Applied:
        assert progress is not None
        if self.refuse:
            progress(ApplyStep("prompts", "failed", "", MISSING.problem))
            report = ApplyReport(Outcome.REFUSED, [], [], [MISSING.problem])
            return Applied(report, [], missing_prompts=[MISSING])
        for step in STEPS:
            progress(step)
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.gate.get(), self.loop))
        modules = [Module.DIALPLAN, Module.QUEUES]
        return Applied(ApplyReport(Outcome.APPLIED, ["queues.conf"], modules), [])


async def _ready(page: Page) -> None:
    await expect(page.locator(".apply .connection.live")).to_have_count(1)


async def test_the_steps_appear_in_order_then_the_result(api: Api, browser: Browser) -> None:
    dialplan = Dialplan()
    api.services.config_apply = ApplyRunner(dialplan, api.factory)  # type: ignore[arg-type]
    make_user(api, "it.wang", "admin")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        base = await sign_in(api, page, "it.wang")
        await page.goto(f"{base}/admin/changes?lang=en")
        await _ready(page)
        await page.get_by_role("button", name="Apply").click()
        rows = page.locator(".apply-steps li")
        await expect(page.locator(".apply-button")).to_be_disabled()
        labels = [
            "Prompts: each one the configuration names has a recording",
            "Render and check the files (lint)",
            "Write the changed files",
            "Reload the dialplan",
            "Reload the queues",
            "Confirm Asterisk loaded the dialplan",
            "Confirm Asterisk loaded the queues",
        ]
        # Each step shows as running, then done, before the next one appears.
        for told, step in enumerate(STEPS):
            shown = len(dict.fromkeys((s.step, s.module) for s in STEPS[: told + 1]))
            await expect(rows).to_have_count(shown)
            await expect(rows.nth(shown - 1)).to_have_class(f"step step-{step.status}")
            await expect(rows.nth(shown - 1).locator(".step-label")).to_have_text(labels[shown - 1])
            if told == 7:  # the queues' reload is running: the progress as it looks
                await screenshot(page, "admin-apply-progress-en")
            dialplan.release()
        await expect(page.locator(".apply-result")).to_have_text(
            "Applied: Asterisk runs the new configuration."
        )
        assert [t.strip() for t in await rows.locator(".step-label").all_text_contents()] == labels
        await expect(page.locator(".apply-button")).to_be_enabled()
        await page.goto(f"{base}/admin/changes?lang=zh")
        await expect(page.locator(".apply-steps li")).to_have_count(7)  # the last apply's
        await expect(page.locator(".apply-steps li").nth(3)).to_contain_text("重新加载拨号方案")
        await screenshot(page, "admin-apply-steps-zh")
        assert errors == []
    finally:
        api.services.config_apply = None
        await page.close()


async def test_a_refused_apply_names_the_object_and_field(api: Api, browser: Browser) -> None:
    api.services.config_apply = ApplyRunner(Dialplan(refuse=True), api.factory)  # type: ignore[arg-type]
    make_user(api, "it.li", "admin")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        base = await sign_in(api, page, "it.li")
        await page.goto(f"{base}/admin/changes?lang=en")
        await _ready(page)
        await page.get_by_role("button", name="Apply").click()
        await expect(page.locator(".apply-result")).to_have_text(
            "Refused: Asterisk was not touched."
        )
        step = page.locator(".apply-steps li")
        await expect(step).to_have_count(1)
        await expect(step).to_have_class("step step-failed")
        fault = page.locator(".apply-faults li.fault")
        await expect(fault).to_have_count(1)
        await expect(fault.locator("code")).to_have_text("prompts.zh")
        await expect(fault.locator("a")).to_have_attribute("href", "/admin/objects/ivr_menus/main")
        await expect(fault).to_contain_text("the prompt custom/main-menu-zh has no recording")
        await expect(page.locator(".apply .problems li")).to_have_count(0)  # not twice
        await expect(step.locator(".step-detail")).to_have_count(0)
        await screenshot(page, "admin-apply-refused-en")
        await page.goto(f"{base}/admin/changes?lang=zh")
        await expect(page.locator(".apply-faults li.fault")).to_have_count(1)
        await expect(page.locator(".apply-result")).to_have_text("已拒绝:未改动 Asterisk。")
        await screenshot(page, "admin-apply-refused-zh")
        await fault.locator("a").click()
        await expect(page).to_have_url(f"{base}/admin/objects/ivr_menus/main")
    finally:
        api.services.config_apply = None
        await page.close()
