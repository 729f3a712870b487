"""The supervisor's console in Chromium, on the recorded live state: their queue's calls and
agents only, listen from their phone, pause an agent with a reason; an agent is refused."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import make_user, sign_in
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


async def test_a_supervisor_sees_their_queue_listens_and_pauses(api: Api, browser: Browser) -> None:
    make_user(api, "wang.li", "supervisor", queues=["sales"])
    tracker = api.services.tracker
    api.services.hub.clock = lambda: tracker.now + 30
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = await sign_in(api, page, "wang.li")
    await page.goto(f"{base}/supervisor")
    await expect(page.locator(".connection")).to_have_text("实时")
    talking = next(c for c in tracker.calls() if "8001" in c.agents)
    row = page.locator(f'tr[data-linkedid="{talking.linkedid}"]')
    await expect(row).to_be_visible()
    queued = next(c for c in tracker.calls() if c.queue == "support")
    await expect(page.locator(f'tr[data-linkedid="{queued.linkedid}"]')).to_have_count(0)
    await expect(page.locator('tr[data-agent="8004"]')).to_have_count(0)  # support only
    await screenshot_both(page, base, "supervisor")

    await page.locator('input[name="device"]').fill("PJSIP/1009")
    await page.locator('input[name="device"]').press("Tab")
    await row.get_by_role("button", name="监听").click()
    await expect(page.locator(".notice")).to_have_text("正在监听:您的电话将振铃。")
    originate = [f for name, f in api.fake_ami.sent if name == "Originate"]
    assert originate[-1]["Channel"] == "PJSIP/1009"

    assert api.services.agents is not None
    for code in ("8001", "8002"):
        await api.services.agents.login(code, f"PJSIP/100{code[-1]}")  # in the database too
    await page.locator('tr[data-agent="8001"] select').select_option("lunch")
    await expect(page.locator(".notice")).to_have_text("已小休。")
    paused = [f for name, f in api.agents_ami.sent if name == "QueuePause"]
    assert (paused[-1]["Paused"], paused[-1]["Reason"]) == ("true", "lunch")
    await page.locator('tr[data-agent="8002"]').get_by_role("button", name="结束小休").click()
    await expect(page.locator(".notice")).to_have_text("已恢复工作。")
    assert errors == []


async def screenshot_both(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    from tests.browser.conftest import draws_chinese, screenshot

    assert await draws_chinese(page, "班长席监听通话中")
    await screenshot(page, f"{name}-zh")
    await page.goto(f"{base}/{name}?lang=en")
    await expect(page.locator(".connection")).to_have_text("Live")
    await screenshot(page, f"{name}-en")
    await page.goto(f"{base}/{name}")
    await expect(page.locator(".connection")).to_have_text("实时")


async def test_an_agent_cannot_open_the_console(api: Api, browser: Browser) -> None:
    make_user(api, "lihua", "agent", agent="8001")
    page = await browser.new_page()
    base = await sign_in(api, page, "lihua")
    response = await page.goto(f"{base}/supervisor")
    assert response is not None
    assert response.status == 403


async def test_a_supervisor_signs_an_agent_in_and_out_of_their_queue(
    api: Api, browser: Browser
) -> None:
    """Per-queue login from the console: 8003 serves sales and support; the sales supervisor
    sees (and acts on) the sales queue only."""
    make_user(api, "zhao.min", "supervisor", queues=["sales"])
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = await sign_in(api, page, "zhao.min")
    await page.goto(f"{base}/supervisor")
    await expect(page.locator(".connection")).to_have_text("实时")
    chips = page.locator('tr[data-agent="8003"] .queue-chip')
    await expect(chips).to_have_count(1)  # sales: support is not this supervisor's
    await chips.get_by_role("button", name="加入").click()
    await expect(page.locator(".notice")).to_have_text("已签入售前咨询。")
    added = [f["Queue"] for name, f in api.agents_ami.sent
             if name == "QueueAdd" and f["MemberName"] == "8003"]  # fmt: skip
    assert added == ["sales"]
    assert api.services.agents is not None
    assert [s.queues_out for s in await api.services.agents.logins() if s.code == "8003"] == [
        ("support",)
    ]
    # 8001 is in sales (the recorded live state): leave it from the console.
    await api.services.agents.login("8001", "PJSIP/1001")
    leave = page.locator('tr[data-agent="8001"] .queue-chip').get_by_role("button", name="退出")
    await leave.click()
    await expect(page.locator(".notice")).to_have_text("已签出售前咨询。")
    removed = [f["Queue"] for name, f in api.agents_ami.sent
               if name == "QueueRemove" and "/8001@" in str(f["Interface"])]  # fmt: skip
    assert removed[-1] == "sales"
    await api.services.agents.logout("8003")
    assert errors == []


async def test_the_console_lists_its_queues_follow_ups_and_closes_one(
    api: Api, browser: Browser
) -> None:
    make_user(api, "sun.li", "supervisor", queues=["sales"])
    made = {}
    for queue, subject in (("sales", "回电报价"), ("support", "上门维修")):
        answer = await api.client.post("/api/v1/followups", headers=api.auth, json={
            "subject": subject, "queue": queue, "customer_number": "13800138000",
            "assignee_agent": "8001" if queue == "sales" else "8004",
        })  # fmt: skip
        assert answer.status == 201, await answer.text()
        made[queue] = (await answer.json())["id"]
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = await sign_in(api, page, "sun.li")
    await page.goto(f"{base}/supervisor")
    await expect(page.locator(".connection")).to_have_text("实时")
    row = page.locator(f'tr[data-followup="{made["sales"]}"]')
    await expect(row).to_contain_text("回电报价")
    await expect(row).to_contain_text("张伟 (8001)")
    await expect(page.locator(f'tr[data-followup="{made["support"]}"]')).to_have_count(0)
    await row.get_by_role("button", name="完成").click()
    await expect(page.locator(".notice")).to_have_text("工单已完成。")
    await expect(row).to_have_count(0)
    stored = await api.client.get(f"/api/v1/followups/{made['sales']}", headers=api.auth)
    assert (await stored.json())["status"] == "done"
    assert errors == []
