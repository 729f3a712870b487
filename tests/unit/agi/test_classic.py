"""The classic AGI script, run the way Asterisk runs it: a process talking AGI on stdin/stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from controller.agi.install import SCRIPT_NAME, install_classic, script_text
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE, REPO
from tests.unit.agi.asterisk_parsing import agi_parse_args, separate_args


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('classic') / 'pbx.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8")))
    engine.dispose()
    return url


def _run(script: list[str], database_url: str, args: list[str], caller: str) -> tuple[dict, str]:
    env_lines = [
        "agi_request: pbx-agi.py",
        "agi_channel: PJSIP/trunk-00000001",
        "agi_uniqueid: 1700.9",
        f"agi_callerid: {caller}",
        *(f"agi_arg_{i}: {a}" for i, a in enumerate(args, 1)),
    ]
    stdin = "\n".join(env_lines) + "\n\n" + "200 result=1\n" * 10
    env = {k: v for k, v in os.environ.items() if not k.startswith("PBXCTL_")}
    env["PBXCTL_DATABASE_URL"] = database_url
    done = subprocess.run(
        script, input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    variables: dict[str, str] = {}
    for line in done.stdout.splitlines():
        words = agi_parse_args(line)
        assert words[:2] == ["SET", "VARIABLE"], line
        if words[2].startswith("ARRAY("):
            variables.update(
                zip(separate_args(words[2][6:-1]), separate_args(words[3]), strict=True)
            )
        else:
            variables[words[2]] = words[3]
    return variables, done.stderr


def test_repository_script_is_the_installed_text() -> None:
    assert (REPO / "agi_scripts" / SCRIPT_NAME).read_text() == script_text("/usr/bin/env python3")


def test_classic_inbound_decides_like_the_server(database: str) -> None:
    script = [sys.executable, str(REPO / "agi_scripts" / SCRIPT_NAME)]
    got, stderr = _run(
        script, database, ["inbound", "main-number", "+8675586001234"], "13800138000"
    )
    assert got["PBX_CUSTOMER_CODE"] == "C10001"
    assert got["PBX_REGION"] == "北京市"
    assert got["PBX_DEST_CONTEXT"] == "pbx-queue-support"  # region route for Beijing
    assert "PBX_STICKY_AGENT" not in got  # no live state in a classic process
    assert list(got)[-1] == "PBX_AGI_OK"
    assert stderr == ""  # pyst2's debug chatter is kept out of Asterisk's console


def test_installed_script_runs_as_an_executable(database: str, tmp_path: Path) -> None:
    target = install_classic(tmp_path / "agi-bin", sys.executable)
    assert target.stat().st_mode & 0o777 == 0o755
    got, _ = _run([str(target)], database, ["outbound", "domestic", "075583219876"], "1001")
    assert got["PBX_TRUNKS"].startswith("telecom:30:")
    assert got["PBX_AGI_OK"] == "1"


def test_classic_queue_callback_declines(database: str) -> None:
    script = [sys.executable, str(REPO / "agi_scripts" / SCRIPT_NAME)]
    got, _ = _run(script, database, ["queue-callback", "sales", "3"], "13800138000")
    assert got == {}  # the caller goes back to the same place in the queue


def test_classic_without_database_leaves_the_static_fallback(tmp_path: Path) -> None:
    script = [sys.executable, str(REPO / "agi_scripts" / SCRIPT_NAME)]
    missing = f"sqlite:///{tmp_path / 'nothing-here' / 'pbx.sqlite3'}"
    got, stderr = _run(script, missing, ["inbound", "main-number", "x"], "13800138000")
    assert got == {}  # no PBX_AGI_OK
    assert "classic_agi_failed" in stderr


def test_relative_interpreter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="absolute"):
        install_classic(tmp_path, "python3")
