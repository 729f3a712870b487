"""pbxctl kiosk link: a one-time pairing link the service accepts, only for a wallboard
token, never with the token in it; the key is the service's, never created by the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller.access.kiosk import KEY_NAME
from controller.cli import build_cli
from controller.db.engine import make_engine, session_factory
from controller.secrets import ensure_secret
from controller.web.kiosks import Kiosks


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {
        "PBXCTL_DATA_DIR": str(tmp_path / "data"),
        "PBXCTL_CONFIG": str(tmp_path / "none.toml"),
        "PBXCTL_API_PORT": "8471",
    }
    (tmp_path / "none.toml").write_text("")

    def invoke(*args: str) -> Result:
        return runner.invoke(build_cli(), list(args), env=env)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


@pytest.mark.asyncio
async def test_a_link_the_service_accepts_once(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    token = run("token", "create", "hall-screen", "--role", "wallboard").output.splitlines()[0]
    missing = run("kiosk", "link", "hall-screen")
    assert missing.exit_code == 2
    assert "pbxctl serve creates it" in missing.output
    key = ensure_secret(tmp_path / "data", KEY_NAME).value.encode()  # as `serve` does
    made = run("kiosk", "link", "hall-screen", "--minutes", "5")
    assert made.exit_code == 0, made.output
    link = made.output.splitlines()[0]
    assert link.startswith("http://127.0.0.1:8471/kiosk?code=p.")
    assert token not in link
    factory = session_factory(make_engine(f"sqlite:///{tmp_path / 'data' / 'pbx.sqlite3'}"))
    kiosks = Kiosks(factory, key, cache_seconds=0)
    code = link.split("code=", 1)[1]
    cookie = await kiosks.pair(code)
    assert cookie is not None
    screen = await kiosks.screen(cookie)
    assert screen is not None
    assert (screen.kind, screen.name, screen.role) == ("kiosk", "hall-screen", "wallboard")
    assert await kiosks.pair(code) is None  # spent


def test_only_a_wallboard_token(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ensure_secret(tmp_path / "data", KEY_NAME)
    run("token", "create", "crm", "--role", "supervisor")
    refused = run("kiosk", "link", "crm")
    assert refused.exit_code == 1
    assert "only a token of the wallboard role pairs one" in refused.output
    unknown = run("kiosk", "link", "nobody")
    assert unknown.exit_code == 1
    assert "no token 'nobody'" in unknown.output
