"""The agent's workspace in Chromium on the recorded live state: own seat and call, a screen
pop with the customer, the last calls and who took them, hold and notes through the API,
today's figures; another agent's call and the console are refused."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from controller.ami.tracker import Outbox, ScreenPop
from controller.web.screenpop import customer_lookup
from tests.browser.conftest import draws_chinese, make_user, screenshot, sign_in
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


async def test_the_workspace_shows_the_call_in_hand_and_its_pop(api: Api, browser: Browser) -> None:
    make_user(api, "lihua", "agent", agent="8001")
    tracker = api.services.tracker
    hub = api.services.hub
    hub.clock = lambda: tracker.now + 42
    hub.lookup = customer_lookup(api.factory, "CN")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = await sign_in(api, page, "lihua")
    await page.goto(f"{base}/agent")
    await expect(page.locator(".connection")).to_have_text("实时")
    await expect(page.locator("[data-seat-state]")).to_have_text("通话中")
    talking = next(c for c in tracker.calls() if "8001" in c.agents)
    pop = page.locator(f'.pop[data-linkedid="{talking.linkedid}"]')
    await expect(pop.locator("[data-pop-number]")).to_have_text(talking.caller_num)

    box = Outbox()  # the pop as the hub sends it when the phone rang (with the customer)
    box.screen_pops.append(ScreenPop("8001", talking.linkedid, tracker.now, "13800138000", "",
                                     "sales", "北京", "C10001", "", True))  # fmt: skip
    hub.on_outbox(box)
    await hub.broadcast()
    await expect(pop.locator("[data-pop-name]")).to_have_text("赵明")
    await expect(pop.locator("[data-pop-region]")).to_have_text("北京")
    await expect(pop.locator(".badge.vip")).to_be_visible()
    await expect(page.locator(".today-own")).to_be_visible()  # the htmx fragment
    assert await draws_chinese(page, "坐席工作台来电归属地")
    await screenshot(page, "agent-zh")

    await pop.get_by_role("button", name="保持").click()
    await expect(page.locator(".notice")).to_have_text("来电方已保持。")
    name, fields = api.fake_ami.sent[-1]
    assert (name, fields["Context"], fields["ExtraExten"]) == ("Redirect", "pbx-hold", "holder")

    await page.locator("#notes").fill("客户要求报价")
    await page.get_by_role("button", name="随通话保存").click()
    await expect(page.locator(".notice")).to_have_text("备注已随通话保存。")

    await page.goto(f"{base}/agent?lang=en")
    await expect(page.locator(".connection")).to_have_text("Live")
    await screenshot(page, "agent-en")
    assert errors == []


async def test_another_agents_call_and_the_console_are_refused(api: Api, browser: Browser) -> None:
    make_user(api, "lina", "agent", agent="8002")
    page = await browser.new_page()
    base = await sign_in(api, page, "lina")
    talking = next(c for c in api.services.tracker.calls() if "8001" in c.agents)
    for path in (f"/api/v1/calls/{talking.linkedid}", "/supervisor"):
        response = await page.request.get(f"{base}{path}")
        assert response.status == 403, path
    await page.goto(f"{base}/agent")
    await expect(page.locator(".connection")).to_have_text("实时")
    await expect(page.locator(f'.pop[data-linkedid="{talking.linkedid}"]')).to_have_count(0)


async def test_the_agent_calls_back_a_follow_up_and_closes_it(api: Api, browser: Browser) -> None:
    make_user(api, "lihua", "agent", agent="8001")
    answer = await api.client.post("/api/v1/followups", headers=api.auth, json={
        "subject": "回电确认订单", "queue": "sales", "customer_number": "13900001234",
        "assignee_agent": "8001",
    })  # fmt: skip
    assert answer.status == 201, await answer.text()
    made = (await answer.json())["id"]
    assert api.services.agents is not None
    await api.services.agents.login("8001", "PJSIP/1001")  # the call back rings this phone
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = await sign_in(api, page, "lihua")
    await page.goto(f"{base}/agent")
    await expect(page.locator(".connection")).to_have_text("实时")
    item = page.locator(".callbacks li", has_text="回电确认订单")
    await item.get_by_role("button", name="13900001234").click()  # click-to-call
    await expect(page.locator(".notice.ok")).to_be_visible()
    originated = [f for name, f in api.fake_ami.sent if name == "Originate"]
    assert any("13900001234" in str(value) for value in originated[-1].values())
    await item.get_by_role("button", name="完成").click()
    await expect(page.locator(".notice")).to_have_text("工单已完成。")
    await expect(item).to_have_count(0)
    stored = await api.client.get(f"/api/v1/followups/{made}", headers=api.auth)
    assert (await stored.json())["status"] == "done"
    await api.services.agents.logout("8001")
    assert errors == []
