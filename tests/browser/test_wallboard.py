"""The wallboard in Chromium: tiles from the websocket, today's figures as the server counted
them, the thresholds' colours, the 'reconnecting' state when the connection drops and the
return to live; screenshots in Chinese and English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.orm import Session

from controller.web.figures import TodayFigures
from tests.browser.conftest import draws_chinese, make_user, screenshot, sign_in
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class QueueDayFigures:  # the shape of controller.reports.today's
    queue: str
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    service_level: float | None
    service_level_variant: str
    service_level_seconds: int
    asa_seconds: float | None
    aht_seconds: float | None


def _figures(session: Session, *, since: dt.datetime, until: dt.datetime,
             queues: Collection[str] | None) -> dict[str, Any]:  # fmt: skip
    def day(queue: str, offered: int, answered: int, sl: float | None) -> QueueDayFigures:
        return QueueDayFigures(queue, offered, answered, offered - answered - 1, 1, sl, "E", 20,
                               8.4 if answered else None, 185.0 if answered else None)  # fmt: skip

    return {"sales": day("sales", 40, 35, 0.875), "support": day("support", 12, 8, 0.5),
            "": day("", 52, 43, 0.79)}  # fmt: skip


async def test_the_wallboard_shows_the_queues_live_and_says_when_it_is_not(
    api: Api, browser: Browser
) -> None:
    make_user(api, "hall", "wallboard")
    tracker = api.services.tracker
    api.services.hub.clock = lambda: tracker.now + 75  # the recorded call waits 1:15 and more
    api.services.hub.thresholds = {
        "support": {"waiting_callers": {"amber": 1, "red": 5},
                    "longest_wait_seconds": {"amber": 60, "red": 120},
                    "service_level_percent": {"amber": 80, "red": 60}},
    }  # fmt: skip
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    base = await sign_in(api, page, "hall")
    await page.goto(f"{base}/wallboard")
    await expect(page.locator(".connection")).to_have_text("实时")
    support = page.locator('article[data-queue="support"]')
    await expect(support.locator('[data-metric="waiting"]')).to_have_text("1")
    await expect(support.locator(".metric").first).to_have_class("metric amber")

    await TodayFigures(api.factory, _figures, lambda: ZoneInfo("Asia/Shanghai")).publish_once(
        api.services.hub
    )
    await expect(support.locator('[data-metric="offered"]')).to_have_text("12")
    await expect(support.locator('[data-metric="service_level"]')).to_have_text("50%")
    await expect(support.locator(".sl")).to_have_class("sl red")
    assert await draws_chinese(page, "合计坐席队列等待")
    await screenshot(page, "wallboard-zh")

    await api.services.hub.close()  # the server drops every socket (a restart, a blip)
    await expect(page.locator(".offline-banner")).to_be_visible()
    await screenshot(page, "wallboard-reconnecting-zh")
    await expect(page.locator(".connection")).to_have_text("实时", timeout=15_000)
    await expect(page.locator(".offline-banner")).to_be_hidden()

    await page.goto(f"{base}/wallboard?lang=en")
    await expect(page.locator(".connection")).to_have_text("Live")
    await screenshot(page, "wallboard-en")
    assert errors == []
