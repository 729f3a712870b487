"""The controller's AMI user gets the classes its actions need and no more, and `dialplan
setup` never prints its secret (issue 12 §4 f: it granted config and command and printed
the secret)."""

from __future__ import annotations

import ast
from pathlib import Path

from controller.ami.live import SNAPSHOT_ACTIONS
from controller.config import load_settings
from controller.dialplan import setup
from controller.dialplan.apply import RELOAD
from controller.dialplan.setup import MANAGER_WRITE, install, manager_user_file

CONTROLLER = Path(__file__).resolve().parents[3] / "controller"

# Asterisk 22.10's "Privilege" of each action the controller sends, as `manager show command
# <Action>` prints it on the sandbox ("all" left out). Asterisk lets an action through when
# the user has any one of these write classes; an empty set means any logged-in user.
PRIVILEGE: dict[str, frozenset[str]] = {
    "Login": frozenset(),
    "Ping": frozenset(),
    "QueueStatus": frozenset(),
    "QueueSummary": frozenset(),
    "Filter": frozenset({"system"}),
    "Reload": frozenset({"system", "config"}),
    "MixMonitor": frozenset({"system"}),
    "DBPut": frozenset({"system"}),
    "DBDel": frozenset({"system"}),
    "Command": frozenset({"command"}),
    "ShowDialPlan": frozenset({"config", "reporting"}),
    "CoreShowChannels": frozenset({"system", "reporting"}),
    "Status": frozenset({"system", "call", "reporting"}),
    "VoicemailUsersList": frozenset({"call", "reporting"}),
    "Getvar": frozenset({"call", "reporting"}),
    "Originate": frozenset({"originate"}),
    "Hangup": frozenset({"system", "call"}),
    "StopMixMonitor": frozenset({"system", "call"}),
    "Redirect": frozenset({"call"}),
    "Atxfer": frozenset({"call"}),
    "BlindTransfer": frozenset({"call"}),
    "CancelAtxfer": frozenset({"call"}),
    "Bridge": frozenset({"call"}),
    "Setvar": frozenset({"call"}),
    "QueueAdd": frozenset({"agent"}),
    "QueueRemove": frozenset({"agent"}),
    "QueuePause": frozenset({"agent"}),
}
_SENDERS = {"send", "action", "list_action", "_act"}


def _action_name(call: ast.Call) -> str | None:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr == "originate":
        return "Originate"
    if func.attr == "command" and isinstance(func.value, ast.Name) and func.value.id == "ami":
        return "Command"  # AmiSession.command: the Command action
    first = call.args[0] if call.args else None
    if func.attr in _SENDERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value if first.value[:1].isupper() else None
    return None


def actions_sent() -> set[str]:
    """Every AMI action the controller's code sends (the sandbox has its own user)."""
    found = {name for name, _fields in RELOAD.values()}
    found |= {name for name, _fields in SNAPSHOT_ACTIONS}
    for path in CONTROLLER.rglob("*.py"):
        if "sandbox" in path.relative_to(CONTROLLER).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (name := _action_name(node)) is not None:
                found.add(name)
    return found


def test_the_scan_finds_the_actions_of_every_part() -> None:
    sent = actions_sent()
    # apply, the tracker's resync, call control, agents, filters, recordings, click-to-call
    for name in ("Reload", "Command", "CoreShowChannels", "Redirect", "QueueAdd", "Filter"):
        assert name in sent
    assert {"MixMonitor", "DBPut", "Originate", "Login"} <= sent


def test_every_action_sent_has_a_known_privilege_and_is_allowed() -> None:
    granted = set(MANAGER_WRITE)
    for name in sorted(actions_sent()):
        assert name in PRIVILEGE, (
            f"the controller sends AMI action {name!r}: look up its Privilege with "
            f"`manager show command {name}` on Asterisk 22 and add it here and, if needed, "
            "to MANAGER_WRITE with the reason"
        )
        needs = PRIVILEGE[name]
        assert not needs or needs & granted, f"{name} needs one of {sorted(needs)}"


def test_every_class_granted_is_the_only_one_allowing_an_action_sent() -> None:
    granted = set(MANAGER_WRITE)
    sent = actions_sent()
    for cls, actions in MANAGER_WRITE.items():
        for name in actions:
            assert name in sent, f"{cls}: {name} is listed but never sent"
            assert cls in PRIVILEGE[name], f"{cls} does not allow {name}"
        assert any(PRIVILEGE[name] & granted == {cls} for name in actions), (
            f"{cls} is granted but every action listed for it is allowed by another class"
        )


def test_config_and_user_are_not_granted() -> None:
    text, _note = manager_user_file(load_settings(environ={"PBXCTL_AMI_SECRET": "x" * 24}))
    write = next(line for line in text.splitlines() if line.startswith("write="))
    assert write == "write=system,call,agent,reporting,originate,command"
    # config: UpdateConfig could rewrite any configuration file; user: nothing sent needs it
    assert "config" not in write
    assert "user" not in write


def test_setup_says_where_the_secret_is_and_never_prints_it(tmp_path: Path) -> None:
    (tmp_path / "empty.toml").write_text("")
    (tmp_path / "etc").mkdir()
    settings = load_settings(
        {
            "data_dir": str(tmp_path / "data"),
            "asterisk.config_dir": str(tmp_path / "etc"),
            "asterisk.log_dir": str(tmp_path / "log"),
        },
        config_file=tmp_path / "empty.toml",
        environ={},
    )
    said = "\n".join(install(settings))
    stored = tmp_path / "data" / "secrets" / "ami-secret"
    secret = stored.read_text(encoding="ascii").strip()
    assert secret not in said
    assert f"generated a new AMI secret in {stored} (mode 0600; not shown)" in said
    manager = tmp_path / "etc" / setup.GENERATED_DIR / "manager.conf"
    assert f"secret={secret}" in manager.read_text(encoding="utf-8")  # where Asterisk reads it
