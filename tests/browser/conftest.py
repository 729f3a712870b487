"""A real Chromium for the pages: Debian's ``chromium``, driven by the ``playwright`` package
(no browser download, which cannot work on these machines). Every test here is marked
``browser``; when Chromium is missing they fail with the command that installs it, never skip.

Screenshots go to ``var/artifacts/screenshots/`` (kept by CI as test artifacts); the file tool
shows them, which is how the pages are looked at in Chinese and in English.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright
from sqlalchemy import select

from controller.access.store import UserInput, create_user
from controller.db.models import User

# The pages are served by the same application the API tests build.
from tests.web.conftest import Api, api, api_engine  # noqa: F401 - pytest fixtures

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts" / "screenshots"
# As the probe of these machines found: without the background-networking flags Chromium
# keeps trying to reach Google's hosts, which this network refuses.
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "Chromium is not installed: bash scripts/install.sh --test "
            "(apt-get install chromium fonts-noto-cjk)",
            pytrace=False,
        )
    return found


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def draws_chinese(page: Page, text: str) -> bool:
    """Whether a font of the page has glyphs for ``text`` (else the browser shows boxes)."""
    return bool(await page.evaluate(
        "t => document.fonts.check('16px \"Noto Sans CJK SC\"', t)", text
    ))  # fmt: skip


PASSWORD = "a long passphrase 9"


async def sign_in(server: Api, page: Page, login: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the site's base address."""
    base = str(server.client.make_url("/")).rstrip("/")
    await page.goto(f"{base}/login")
    await page.locator("#login").fill(login)
    await page.locator("#password").fill(password)
    await page.locator("form.login button").click()
    await page.wait_for_url(f"{base}/")
    return base


def make_user(server: Api, login: str, role: str, language: str = "zh", **extra: Any) -> None:
    """A user with PASSWORD (once per database: the module shares it)."""
    with server.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == login)) is None:
            create_user(session, UserInput(login, PASSWORD, role, login, language,
                                           extra.get("agent"), extra.get("queues")))  # fmt: skip
