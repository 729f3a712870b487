"""What the sandbox writes into /etc/asterisk: manager.conf, modules.conf, the reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.errors import SandboxError
from controller.sandbox.configs import (
    DEFAULT_AMI_READ,
    AmiAccount,
    render_manager_conf,
    reset_etc,
)
from controller.sandbox.modules import MODULES, missing_modules, render_modules_conf


def test_manager_conf_binds_loopback_with_one_user() -> None:
    text = render_manager_conf(AmiAccount("ctl", "s3cret-value", 5039, ("call",), ("originate",)))
    assert text.splitlines()[1:] == [
        "[general]",
        "enabled = yes",
        "bindaddr = 127.0.0.1",
        "port = 5039",
        "displayconnects = no",
        "timestampevents = yes",
        "",
        "[ctl]",
        "secret = s3cret-value",
        "deny = 0.0.0.0/0.0.0.0",
        "permit = 127.0.0.1/255.255.255.255",
        "read = call",
        "write = originate",
        "writetimeout = 5000",
    ]


def test_default_classes_cover_what_the_controller_uses() -> None:
    text = render_manager_conf(AmiAccount("ctl", "s3cret-value"))
    read = text.split("read = ")[1].splitlines()[0].split(",")
    write = text.split("write = ")[1].splitlines()[0].split(",")
    assert read == list(DEFAULT_AMI_READ)
    for cls in ("originate", "call", "system", "command", "agent", "reporting", "user"):
        assert cls in write
    assert "dialplan" in read


@pytest.mark.parametrize(
    ("username", "secret", "message"),
    [
        ("a]b", "s3cret-value", "AMI username"),
        ("ctl", "short", "AMI secret"),
        ("ctl", "with space 123", "AMI secret"),
        ("ctl", "semi;colon-123", "AMI secret"),  # ';' would start a comment
        ("ctl", "new\nline-1234", "AMI secret"),
    ],
)
def test_manager_conf_refuses_values_that_would_break_the_file(
    username: str, secret: str, message: str
) -> None:
    with pytest.raises(SandboxError, match=message):
        render_manager_conf(AmiAccount(username, secret))


def test_account_repr_hides_the_secret() -> None:
    assert "s3cret" not in repr(AmiAccount("ctl", "s3cret-value"))


def test_modules_conf_loads_exactly_the_list() -> None:
    lines = render_modules_conf().splitlines()
    assert "autoload=no" in lines
    loads = [line.removeprefix("load => ") for line in lines if line.startswith("load => ")]
    assert loads == list(MODULES)
    assert len(set(MODULES)) == len(MODULES)


def test_module_list_has_what_tests_need_and_nothing_that_opens_ports() -> None:
    needed = {
        "chan_pjsip.so", "res_pjsip_registrar.so", "res_pjsip_outbound_registration.so",
        "app_queue.so", "app_dial.so", "app_mixmonitor.so", "app_voicemail.so", "res_agi.so",
        "app_stack.so", "pbx_config.so", "res_musiconhold.so", "res_timing_timerfd.so",
        "format_wav.so", "codec_gsm.so", "func_devstate.so",
        # load-time dependencies: without them res_agi / res_pjsip_exten_state fail to load
        "res_speech.so", "res_pjsip_outbound_publish.so",
        # Asterisk's own call records, which the history recovery reads back
        "cel_custom.so", "res_cdrel_custom.so", "app_celgenuserevent.so",
    }  # fmt: skip
    assert needed <= set(MODULES)
    unwanted = ("cdr_", "chan_iax2", "pbx_dundi", "func_shell", "app_system")
    assert [m for m in MODULES if m.startswith(unwanted)] == []
    assert [m for m in MODULES if m.startswith("cel_")] == ["cel_custom.so"]
    assert 90 <= len(MODULES) <= 120


def test_missing_modules_lists_absent_files(tmp_path: Path) -> None:
    (tmp_path / "app_dial.so").touch()
    assert missing_modules(tmp_path, ["app_dial.so", "app_gone.so"]) == ["app_gone.so"]


@pytest.fixture
def etc(tmp_path: Path) -> tuple[Path, Path]:
    pristine = tmp_path / "pristine"
    pristine.mkdir()
    for name in ("asterisk.conf", "pjsip.conf", "users.conf", "extensions.conf", "queues.conf"):
        (pristine / name).write_text(f"; stock {name}\n")
    etc_dir = tmp_path / "etc"
    etc_dir.mkdir()
    (etc_dir / "leftover.conf").write_text("from an earlier test")
    (etc_dir / "queues.conf").write_text("changed by an earlier test")
    return etc_dir, pristine


def test_reset_restores_stock_files_then_writes_ours_and_the_callers(
    etc: tuple[Path, Path],
) -> None:
    etc_dir, pristine = etc
    reset_etc(
        etc_dir,
        pristine,
        generated={"manager.conf": "generated"},
        files={"extensions.conf": "[mine]\n", "sub/dir.conf": "nested"},
    )
    assert not (etc_dir / "leftover.conf").exists()
    assert (etc_dir / "queues.conf").read_text() == "; stock queues.conf\n"
    assert (etc_dir / "asterisk.conf").read_text() == "; stock asterisk.conf\n"
    assert (etc_dir / "pjsip.conf").read_text() == ""  # could open SIP ports
    assert not (etc_dir / "users.conf").exists()  # logs a deprecation warning when present
    assert (etc_dir / "manager.conf").read_text() == "generated"
    assert (etc_dir / "extensions.conf").read_text() == "[mine]\n"  # caller beats quiet list
    assert (etc_dir / "sub" / "dir.conf").read_text() == "nested"
    assert (pristine / "pjsip.conf").read_text() == "; stock pjsip.conf\n"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("/etc/passwd", "relative"),
        ("../escape.conf", "relative"),
        ("", "relative"),
        ("manager.conf", "generated"),
        ("modules.conf", "generated"),
    ],
)
def test_reset_refuses_bad_names_before_touching_anything(
    etc: tuple[Path, Path], name: str, message: str
) -> None:
    etc_dir, pristine = etc
    with pytest.raises(SandboxError, match=message):
        reset_etc(etc_dir, pristine, generated={}, files={name: "x"})
    assert (etc_dir / "leftover.conf").exists()
