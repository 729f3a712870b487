"""The admin pages end to end with the sandbox Asterisk 22 and the whole controller in this
process (as `pbxctl serve` runs it): an admin creates a queue and an IVR option leading to it
in the browser, reviews the pending changes and applies them (the real apply: lint, write,
reload, confirm); then a real call into the IVR pressing that key joins the new queue
(Asterisk's QueueCallerJoin)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect
from sqlalchemy.orm import Session

from controller.access.store import UserInput, create_user
from controller.ami.protocol import Message
from controller.pbxconfig.export import export_config
from controller.sandbox import AsteriskSandbox
from tests.browser.conftest import PASSWORD, screenshot
from tests.browser.test_admin_forms import add_member, add_option
from tests.integration.ami_lab import TEST_CONTEXTS
from tests.integration.running import Running as Site
from tests.integration.running import example_company, running
from tests.integration.test_dialplan_apply import TOP_LEVEL

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

# A caller that presses a key: the Local channel's other half answers, waits for the menu,
# sends the digits after "p" as DTMF and stays on the line.
PRESS = """
[test-press]
exten => _p.,1,Answer()
 same => n,Wait(2)
 same => n,SendDTMF(${EXTEN:1})
 same => n,Wait(30)
 same => n,Hangup()
"""
FILES = {**TOP_LEVEL, "extensions.conf": TOP_LEVEL["extensions.conf"] + TEST_CONTEXTS + PRESS}


def _admin(session: Session) -> None:
    create_user(session, UserInput("it.chen", PASSWORD, "admin", "it.chen", "zh"))


@pytest.fixture
def started(restart_asterisk: Callable[..., AsteriskSandbox]) -> Iterator[AsteriskSandbox]:
    return restart_asterisk(FILES)


@pytest_asyncio.fixture
async def site(started: AsteriskSandbox, tmp_path: Path) -> AsyncIterator[Site]:
    async with running(started, tmp_path, example_company, seed=_admin) as center:
        yield center


async def test_a_queue_and_an_ivr_key_made_in_the_pages_take_a_real_call(
    site: Site, browser: Browser
) -> None:
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{site.base}/login?next=/admin")
    await page.locator("#login").fill("it.chen")
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form.login button").click()
    await page.wait_for_url(f"{site.base}/admin")

    # A new queue ...
    await page.goto(f"{site.base}/admin/new/queues")
    await page.locator("#f-name").fill("vip-line")
    await page.locator("#f-display_name").fill("贵宾专线")
    await add_member(page, "8001")
    await page.get_by_role("button", name="保存").click()
    await expect(page.locator(".notice.ok")).to_be_visible()

    # ... and key 7 of the main menu leading to it.
    await page.goto(f"{site.base}/admin/objects/ivr_menus/main")
    await add_option(page, "7", "queue", "vip-line")
    await page.get_by_role("button", name="保存").click()
    await expect(page.locator(".notice.ok")).to_be_visible()
    with site.controller.factory() as session:
        menu = next(m for m in export_config(session).ivr_menus if m.name == "main")
    assert str(menu.options["7"].destination) == "queue:vip-line"

    # The pending changes, then the real apply, its result over the websocket.
    await page.goto(f"{site.base}/admin/changes")
    await expect(page.locator("pre.diff").first).to_be_visible()
    files = page.locator(".pending-file summary code")
    await expect(files.filter(has_text=re.compile(r"^queues\.conf$"))).to_have_count(1)
    await expect(page.locator("pre.diff", has_text="pbx-queue-vip-line")).not_to_have_count(0)
    await screenshot(page, "admin-real-pending-zh")
    await expect(page.locator(".apply .connection.live")).to_have_count(1)  # Alpine, socket
    await page.get_by_role("button", name="应用").click()
    await expect(page.locator(".apply-result")).to_have_text(
        "已应用:Asterisk 正在运行新配置。", timeout=60_000
    )
    await screenshot(page, "admin-real-applied-zh")
    await page.get_by_role("link", name="下面列出的是本次应用之前的更改:重新列出").click()
    await expect(page.locator(".notice.ok")).to_have_text("Asterisk 的配置文件已是最新:无需应用。")

    # A real call into the main menu pressing 7 joins the new queue.
    await site.ami.action(
        "Originate",
        Channel="Local/p7@test-press",
        Context="pbx-ivr-main",
        Exten="s",
        Priority=1,
        Async="true",
        CallerID="13900002222 <13900002222>",
    )

    def joined() -> Message | None:
        return next(
            (e for e in site.events
             if e.get("Event") == "QueueCallerJoin" and e.get("Queue") == "vip-line"),
            None,
        )  # fmt: skip

    await site.until("QueueCallerJoin of vip-line", joined, within=30)
    assert joined() is not None
    assert errors == []
