"""The README's demo: the logins it prints open the web pages it prints (the agent's
workspace for the agent user, the wallboard and console for the admin)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from controller import prompts
from controller.config import Settings
from controller.demo.site import DEMO_AGENT, DemoSite
from controller.sandbox import AsteriskSandbox

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]


@pytest.fixture
def site(
    restart_asterisk: Callable[..., AsteriskSandbox],
    asterisk_sandbox: AsteriskSandbox,
    tmp_path: Path,
) -> Iterator[DemoSite]:
    restart_asterisk({})  # the sandbox gets its base configuration back after the test
    demo = DemoSite(Settings(data_dir=tmp_path / "data"), sandbox=asterisk_sandbox, talk_seconds=3)
    try:
        yield demo
    finally:
        demo.stop()


async def _signed_in(site: DemoSite, login: tuple[str, str]) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(site.api_url, cookie_jar=aiohttp.CookieJar(unsafe=True))
    form = await (await http.get("/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    answer = await http.post("/login", data={"login": login[0], "password": login[1],
                                             "csrf_token": csrf.group(1)},
                             allow_redirects=False)  # fmt: skip
    assert answer.status == 303, await answer.text()
    return http


async def test_the_printed_logins_open_the_printed_pages(site: DemoSite) -> None:
    await site.start()
    # The example's prompts have sound files (stock stand-ins), or the apply would refuse.
    assert site.prompt_uses
    assert not prompts.missing(site.settings.asterisk.sounds_dir, site.prompt_uses)
    agent = await _signed_in(site, site.agent_login)
    try:
        workspace = await agent.get("/agent")
        assert workspace.status == 200
        assert f'"code": "{DEMO_AGENT}"' in await workspace.text()
        assert (await agent.get("/supervisor")).status == 403
    finally:
        await agent.close()
    admin = await _signed_in(site, site.login)
    try:
        for path in ("/wallboard", "/supervisor"):
            assert (await admin.get(path)).status == 200, path
    finally:
        await admin.close()
