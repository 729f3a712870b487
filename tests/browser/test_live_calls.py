"""The live pages in Chromium with real calls through the sandbox Asterisk 22 and the whole
controller in this process (as `pbxctl serve` runs it):

- a caller enters a queue: the wallboard's waiting count and the supervisor's call list
  change within a second of Asterisk's QueueCallerJoin;
- an agent logs in and pauses from the workspace: Asterisk's queue member is paused
  (QueueStatus says so, with the reason);
- the ringing call pops the right customer on the workspace (the time from Asterisk's
  AgentCalled to the pop on screen is recorded in var/artifacts/live_pages_timings.json);
- notes and a disposition saved from the workspace reach the call's history;
- a supervisor listens through the console (ChanSpyStart on the agent's channel);
- another agent's session gets 403 for that call and the console, and its websocket carries
  nothing of the call.

Screenshots of the three pages in Chinese and English, during the call.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.access.store import UserInput, create_user
from controller.db.engine import session_factory
from controller.db.models import Call
from controller.sandbox import AsteriskSandbox
from tests.browser.conftest import ARTIFACTS, PASSWORD, draws_chinese, screenshot
from tests.integration.ami_lab import (
    TEST_CONTEXTS,
    agent_device,
    originate_caller,
)
from tests.integration.running import Running as Site
from tests.integration.running import example_company, running
from tests.integration.test_dialplan_apply import TOP_LEVEL

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

FILES = {
    **TOP_LEVEL,
    "extensions.conf": TOP_LEVEL["extensions.conf"] + TEST_CONTEXTS,
    "features.conf": "[general]\n\n[featuremap]\natxfer => *2\n",
}
CUSTOMER_NUMBER = "13800138000"  # C10001 赵明 of the example company, VIP, served by 8001
SUPERVISOR_PHONE = "Local/t20-9000@test-agents"
TIMINGS = ARTIFACTS.parent / "live_pages_timings.json"


def _users(session: Session) -> None:
    for login, role, agent, queues in (
        ("hall", "wallboard", None, None),
        ("wang.li", "supervisor", None, ["sales"]),
        ("lihua", "agent", "8001", None),
        ("lina", "agent", "8002", None),
    ):
        create_user(session, UserInput(login, PASSWORD, role, login, "zh", agent, queues))


@pytest.fixture
def started(restart_asterisk: Callable[..., AsteriskSandbox]) -> Iterator[AsteriskSandbox]:
    return restart_asterisk(FILES)


@pytest_asyncio.fixture
async def site(started: AsteriskSandbox, tmp_path: Path) -> AsyncIterator[Site]:
    async with running(started, tmp_path, example_company, seed=_users) as center:
        yield center


async def _page(browser: Browser, site: Site, login: str, path: str) -> Page:
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1600, "height": 1000})
    page.on("pageerror", lambda error: pytest.fail(f"{login} {path}: {error}"))
    await page.goto(f"{site.base}/login?next={path}")
    await page.locator("#login").fill(login)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form.login button").click()
    await page.wait_for_url(f"{site.base}{path}")
    await expect(page.locator(".connection")).to_have_text("实时")
    return page


WATCH = """([selector, wanted]) => {
  window.pbxChanged = null;
  const check = () => {
    const element = document.querySelector(selector);
    if (element && element.textContent.trim() === wanted && window.pbxChanged === null) {
      window.pbxChanged = Date.now();
    }
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true,
                                                     characterData: true, attributes: true});
  check();
}"""


async def _changed_at(page: Page) -> float:
    """When the watched element showed the wanted text (epoch seconds, the browser's clock:
    this machine's, as the test's)."""
    await page.wait_for_function("() => window.pbxChanged !== null", timeout=10_000)
    return float(await page.evaluate("() => window.pbxChanged")) / 1000


async def _both_languages(page: Page, name: str, path: str, base: str) -> None:
    await screenshot(page, f"{name}-live-zh")
    await page.goto(f"{base}{path}?lang=en")
    await expect(page.locator(".connection")).to_have_text("Live")
    await screenshot(page, f"{name}-live-en")
    await page.goto(f"{base}{path}")
    await expect(page.locator(".connection")).to_have_text("实时")


async def test_the_live_pages_follow_real_calls(site: Site, browser: Browser) -> None:
    timings: dict[str, float] = {}
    tracker = site.controller.tracker
    wallboard = await _page(browser, site, "hall", "/wallboard")
    console = await _page(browser, site, "wang.li", "/supervisor")
    desk = await _page(browser, site, "lihua", "/agent")
    other = await _page(browser, site, "lina", "/agent")
    other_frames: list[str] = []
    other.on("websocket", lambda ws: ws.on("framereceived", lambda f: other_frames.append(str(f))))
    await other.reload()  # the websocket opened after the listener
    await expect(other.locator(".connection")).to_have_text("实时")
    assert await draws_chinese(desk, "坐席工作台来电归属地")

    # -- the agent logs in and pauses from the workspace: Asterisk's member is paused -----
    await desk.locator('.seat input[name="device"]').fill(agent_device("8001", 40))
    await desk.get_by_role("button", name="签入").click()
    await expect(desk.locator(".notice")).to_have_text("已签入。")
    await expect(desk.locator("[data-seat-state]")).to_have_text("空闲", timeout=10_000)
    await desk.locator(".seat-actions select").select_option("lunch")
    await expect(desk.locator("[data-seat-state]")).to_have_text("小休: 午餐", timeout=10_000)
    listed = await site.ami.list_action("QueueStatus", Queue="sales")
    member = next(m for m in listed if m.get("Event") == "QueueMember" and m.get("Name") == "8001")
    assert (member["Paused"], member["PausedReason"]) == ("1", "lunch")

    # -- a caller enters the queue: the wallboard and the console within a second -------------
    await wallboard.evaluate(WATCH, ['article[data-queue="sales"] [data-metric="waiting"]', "1"])
    await console.evaluate(WATCH, ['tr[data-linkedid="live-pages-1"] td', CUSTOMER_NUMBER])
    await originate_caller(site.ami, "sales", wait=90, number=CUSTOMER_NUMBER,
                           channel_id="live-pages-1")  # fmt: skip
    joined = await site.until(
        "QueueCallerJoin", lambda: site.event_at("QueueCallerJoin", Linkedid="live-pages-1")
    )
    joined_at = joined[0]  # type: ignore[index]
    began = site.event_at("Newchannel", Linkedid="live-pages-1")
    assert began is not None
    # The console lists the call from its first channel on (its queue known from the dialplan).
    timings["wallboard_waiting_s"] = await _changed_at(wallboard) - joined_at
    timings["console_call_listed_s"] = await _changed_at(console) - began[0]
    assert timings["wallboard_waiting_s"] < 1.0, timings
    assert timings["console_call_listed_s"] < 1.0, timings

    # -- ready: the call rings the agent's phone (a Local channel that answers) and pops ------
    await desk.get_by_role("button", name="就绪").click()
    called = await site.until(
        "AgentCalled", lambda: site.event_at("AgentCalled", Linkedid="live-pages-1")
    )
    pop = desk.locator('.pop[data-linkedid="live-pages-1"]')
    await expect(pop.locator("[data-pop-name]")).to_have_text("赵明")
    await expect(pop.locator(".badge.vip")).to_be_visible()
    shown = await desk.evaluate("() => window.pbxPops.find(p => p.linkedid === 'live-pages-1')")
    timings["pop_after_ring_s"] = shown["shownAt"] / 1000 - called[0]  # type: ignore[index]
    await site.until("8001 talking", lambda: (c := tracker.call("live-pages-1")) and c.agents)

    # -- the supervisor listens through the console ----------------------------------------
    await console.locator('input[name="device"]').fill(SUPERVISOR_PHONE)
    await console.locator('input[name="device"]').press("Tab")
    row = console.locator('tr[data-linkedid="live-pages-1"]')
    await row.get_by_role("button", name="监听").click()
    await expect(console.locator(".notice")).to_have_text("正在监听:您的电话将振铃。")
    spy = await site.until("ChanSpyStart", lambda: site.event_at("ChanSpyStart"))
    view = tracker.call("live-pages-1")
    assert view is not None
    phone = next(ch for ch in view.channels if ch.agent == "8001" and ch.bridge)
    assert spy[1]["SpyeeChannel"] == phone.name  # type: ignore[index]

    # -- another agent: 403 for the call and the console, nothing over its websocket --------
    for path in ("/api/v1/calls/live-pages-1", "/supervisor"):
        response = await other.request.get(f"{site.base}{path}")
        assert response.status == 403, path
    assert not [f for f in other_frames if "live-pages-1" in f]
    assert (
        await other.evaluate(
            "() => Object.keys(document.querySelector('[x-data]')._x_dataStack[0].live.calls)"
        )
        == []
    )

    # -- screenshots during the call, both languages --------------------------------------
    await _both_languages(wallboard, "wallboard", "/wallboard", site.base)
    await _both_languages(console, "supervisor", "/supervisor", site.base)
    await _both_languages(desk, "agent", "/agent", site.base)

    # -- notes and disposition from the workspace reach the history --------------------------
    await desk.locator("#disposition").select_option("quote-sent")
    await desk.locator("#notes").fill("客户询问报价,已发送")
    await desk.get_by_role("button", name="随通话保存").click()
    await expect(desk.locator(".notice")).to_have_text("备注已随通话保存。")
    await desk.locator(".pop").get_by_role("button", name="挂断").click()

    def stored() -> int | None:
        with session_factory(site.controller.engine)() as session:
            return session.scalar(select(Call.id).where(Call.linkedid == "live-pages-1"))

    call_id = await site.until("the call in the history", stored, within=40)
    detail = await site.get(f"/api/v1/history/calls/{call_id}")
    notes = {n["agent"]: (n["disposition"], n["notes"]) for n in detail["notes"]}  # type: ignore[index]
    assert notes == {"8001": ("quote-sent", "客户询问报价,已发送")}

    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps(timings, indent=2) + "\n")
    print("live pages timings:", timings)
