"""Signing in as a person does, in Chromium: the form in Chinese and English, a refusal, the
landing page, signing out. Screenshots of each page in both languages."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from controller.access.store import UserInput, create_user
from tests.browser.conftest import draws_chinese, screenshot
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


async def test_a_supervisor_signs_in_and_out(api: Api, browser: Browser) -> None:
    with api.factory() as session, session.begin():
        create_user(session, UserInput("wang.li", "a long passphrase 9", "supervisor",
                                       "王丽", "zh", None, ["sales"]))  # fmt: skip
    base = str(api.client.make_url("/")).rstrip("/")
    page = await browser.new_page(locale="zh-CN")
    await page.goto(f"{base}/")
    await expect(page).to_have_url(f"{base}/login?next=/")  # not signed in: the sign-in page
    await expect(page.get_by_role("heading")).to_have_text("登录")
    assert await draws_chinese(page, "用户名密码登录")
    await screenshot(page, "login-zh")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading")).to_have_text("Sign in")
    await screenshot(page, "login-en")

    await page.get_by_label("Login name").fill("wang.li")
    await page.get_by_label("Password").fill("not it at all")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong login name or password.")
    await screenshot(page, "login-refused-en")

    await page.get_by_label("Password").fill("a long passphrase 9")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{base}/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("欢迎,王丽")  # her language
    await expect(page.locator(".facts")).to_contain_text("sales")
    await screenshot(page, "home-zh")
    await page.goto(f"{base}/?lang=en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, 王丽")
    await screenshot(page, "home-en")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{base}/login")
    response = await page.request.get(f"{base}/api/v1/me")
    assert response.status == 401  # the session is gone, not only the cookie
