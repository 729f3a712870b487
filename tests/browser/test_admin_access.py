"""Users, roles, tokens and the audit log in Chromium: an admin changes a user's role and
queues, a weak password is refused at its field, a role is made from a copy of a shipped one;
the last admin cannot lock themself out. Screenshots of each page in Chinese and English."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import make_user, screenshot, sign_in
from tests.web.conftest import Api
from tests.web.test_admin_users_roles import _user

pytestmark = pytest.mark.asyncio


async def _both(page: Page, base: str, path: str, name: str) -> None:
    """A screenshot of ``path`` in English and in Chinese (ending on the Chinese one)."""
    joiner = "&" if "?" in path else "?"
    await page.goto(f"{base}{path}{joiner}lang=en")
    await screenshot(page, f"{name}-en")
    await page.goto(f"{base}{path}{joiner}lang=zh")
    await screenshot(page, f"{name}-zh")


async def test_an_admin_edits_a_user_and_makes_a_role(api: Api, browser: Browser) -> None:
    make_user(api, "it.zhou", "admin")
    make_user(api, "wang.fang", "agent", agent="8002")
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = await sign_in(api, page, "it.zhou")
    await _both(page, base, "/admin/users", "admin-users")
    await page.get_by_role("link", name="wang.fang").click()
    await expect(page.locator("h1")).to_contain_text("wang.fang")

    # An agent without an agent code: the store's message, in Chinese, at the agent field;
    # nothing saved.
    await page.locator("#u-agent_code").select_option("")
    await page.get_by_role("button", name="保存").click()
    field = page.locator('[data-field="agent_code"]')
    await expect(field.locator(".field-error")).to_contain_text("坐席角色需要填写坐席工号")
    assert _user(api, "wang.fang").agent_code == "8002"
    await screenshot(page, "admin-user-error-zh")

    # Supervisor of sales: saved, audited, shown.
    await page.locator("#u-role").select_option("supervisor")
    await page.locator('input[name="queues"][value="sales"]').check()
    await page.get_by_role("button", name="保存").click()
    await expect(page.locator(".notice.ok")).to_have_text("已保存。")
    user = _user(api, "wang.fang")
    assert (user.role.name, user.queues, user.agent_code) == ("supervisor", ["sales"], None)

    # A weak password: at its field.
    await page.locator("#p-password").fill("short")
    await page.locator("#p-password_again").fill("short")
    await page.get_by_role("button", name="设置密码").click()
    await expect(page.locator('[data-field="password"] .field-error')).to_contain_text("10")
    await screenshot(page, "admin-user-zh")
    await page.goto(f"{base}/admin/users/wang.fang?lang=en")
    await screenshot(page, "admin-user-en")

    # The admin's own page: no Disable button (cannot disable yourself).
    await page.goto(f"{base}/admin/users/it.zhou?lang=en")
    await expect(page.get_by_role("button", name="Disable")).to_have_count(0)

    # A role of our own, from a copy of the reports role.
    await _both(page, base, "/admin/roles", "admin-roles")
    await page.locator('tr[data-role="reports"]').get_by_role("link", name="复制").click()
    await page.locator("#r-name").fill("qa-team")
    await page.locator('tr[data-scope="calls.notes"] input[value="own"]').check()
    await page.get_by_role("button", name="保存").click()
    await expect(page.locator(".notice.ok")).to_contain_text("已保存")
    await expect(page.locator("h1")).to_contain_text("qa-team")
    checked = page.locator('tr[data-scope="reports.read"] input[value="all"]')
    await expect(checked).to_be_checked()
    await _both(page, base, "/admin/roles/qa-team", "admin-role")
    await _both(page, base, "/admin/roles/admin", "admin-role-shipped")
    await _both(page, base, "/admin/tokens", "admin-tokens")
    await _both(page, base, "/admin/audit", "admin-audit")
    await expect(page.locator("table.grid")).to_contain_text("role.save")
    assert errors == []
