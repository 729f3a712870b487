"""CI: the README's first command works for a newcomer.

Clones this checkout's HEAD commit into a temporary directory, runs ``bash scripts/demo.sh``
there exactly as the README shows (it installs, then runs ``pbxctl demo``), and waits until
the call history, read through the demo's own API with the token it printed, holds a call
that an agent answered and talked on. Then stops the demo like Ctrl-C does (SIGINT to its
process group), checks that it exited 0 and stopped its sandbox Asterisk, and removes the
clone. Honours PBXCTL_SANDBOX_ROOT like the demo does (the environment is passed through).

Usage: .venv/bin/python scripts/ci/fresh_clone_demo.py
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from support import (
    REPO,
    CheckFailed,
    Group,
    get_json,
    main,
    run,
    say,
    survivors,
    tail,
    wait_for,
)

# The install (a fresh .venv with every dependency) and the start of the call center; on a
# machine whose sandbox chroot is not built yet this includes its build (about a minute).
START_TIMEOUT = 600.0
# The first simulated caller dials at once; with the demo's 15 s talk it ends within ~30 s.
ANSWERED_CALL_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0
SANDBOX_NOT_RUNNING = 3  # `pbxctl sandbox status`

_API = re.compile(r"^\s*API:\s+(http://\S+)", re.MULTILINE)
_TOKEN = re.compile(r"^\s*token:\s+(\S+)", re.MULTILINE)


def clone_head(target: Path, log: Path) -> str:
    commit = run(["git", "rev-parse", "HEAD"], cwd=REPO, log=log).strip()
    run(["git", "clone", "--quiet", "--no-checkout", REPO, target], cwd=REPO, log=log)
    run(["git", "checkout", "--quiet", "--detach", commit], cwd=target, log=log)
    return commit


def printed_api(log: Path) -> tuple[str, str] | None:
    """The API address and token the demo prints once the call center runs."""
    text = log.read_text(encoding="utf-8", errors="replace")
    api, token = _API.search(text), _TOKEN.search(text)
    return (api.group(1), token.group(1)) if api and token else None


def answered_call(api: str, token: str) -> dict[str, Any] | None:
    """A finished call of the history that an agent answered and talked on, or None."""
    try:
        calls = get_json(f"{api}/api/v1/history/calls?outcome=answered&limit=20", token)["calls"]
        for call in calls:
            detail = get_json(f"{api}/api/v1/history/calls/{call['id']}", token)
            talks = [h for h in detail["handlings"] if h["agent"] and h["talk_start"]]
            if detail["answered_at"] and detail["ended_at"] and talks:
                return {**detail, "talk": talks[0]}
    except OSError:
        return None  # not answering yet, or restarting: the deadline decides
    return None


def sandbox_running(clone: Path, log: Path) -> bool:
    status = subprocess.run(
        [str(clone / ".venv" / "bin" / "pbxctl"), "sandbox", "status"],
        cwd=clone,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    with log.open("a", encoding="utf-8") as sink:
        sink.write(f"$ pbxctl sandbox status (exit {status.returncode})\n{status.stdout}")
    if status.returncode not in (0, SANDBOX_NOT_RUNNING):
        raise CheckFailed(f"pbxctl sandbox status exited {status.returncode}:\n{status.stderr}")
    return status.returncode == 0


def check() -> None:
    with tempfile.TemporaryDirectory(prefix="pbx-fresh-clone-") as work_name:
        work = Path(work_name)
        clone, log = work / "clone", work / "check.log"
        commit = clone_head(clone, log)
        say(f"cloned {commit[:12]} into a temporary directory; running the README's command")
        demo_log = work / "demo.log"
        demo = Group(["bash", "scripts/demo.sh"], cwd=clone, log=demo_log, env=os.environ)
        try:
            api, token = wait_for(
                "API address and token from the demo",
                lambda: printed_api(demo_log),
                within=START_TIMEOUT,
                alive=demo,
            )
            say(f"the call center runs; API {api}; waiting for a call answered by an agent")
            call = wait_for(
                "answered call in the history",
                lambda: answered_call(api, token),
                within=ANSWERED_CALL_TIMEOUT,
                alive=demo,
                interval=2,
            )
            talk = call["talk"]
            say(
                f"history call {call['id']}: {call['caller_number']} -> {call['called_number']}, "
                f"IVR {call['ivr_path']!r}, answered by agent {talk['agent']}, "
                f"talked {talk['talk_ms']} ms"
            )
            started = demo.children()  # the controller runs in a session of its own
        except BaseException:
            with contextlib.suppress(CheckFailed):  # the first failure is the one to report
                demo.stop(signal.SIGINT, grace=STOP_TIMEOUT)
            raise
        code = demo.stop(signal.SIGINT, grace=STOP_TIMEOUT)  # what Ctrl-C sends
        if code != 0:
            raise CheckFailed(f"the demo exited {code} after Ctrl-C:\n{tail(demo_log)}")
        left = survivors(started)
        if left:
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            raise CheckFailed(f"the demo left processes running after Ctrl-C: {left}; killed")
        if sandbox_running(clone, log):
            raise CheckFailed(f"the demo left its sandbox Asterisk running:\n{tail(log)}")
        say("the demo stopped cleanly: exit 0, its controller and Asterisk stopped")


if __name__ == "__main__":
    main(check)
