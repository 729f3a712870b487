"""Paths inside the chroot resolve inside it, never on the host."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.sandbox.layout import SandboxLayout, resolve_in_root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "run" / "asterisk").mkdir(parents=True)
    (root / "var").mkdir()
    (root / "var" / "run").symlink_to("/run")  # as debootstrap leaves it: absolute
    return root


def test_pid_file_resolves_through_the_absolute_var_run_symlink(root: Path) -> None:
    layout = SandboxLayout(root)
    assert layout.pid_file == root / "run" / "asterisk" / "asterisk.pid"
    assert resolve_in_root(root, "/var/run/asterisk") == root / "run" / "asterisk"


def test_relative_symlinks_and_dotdot_stay_inside(root: Path) -> None:
    (root / "usr" / "share").mkdir(parents=True)
    (root / "usr" / "share" / "sounds").mkdir()
    (root / "var" / "lib").mkdir()
    (root / "var" / "lib" / "sounds").symlink_to("../../usr/share/sounds")
    (root / "escape").symlink_to("../../../../etc")
    assert resolve_in_root(root, "/var/lib/sounds/en") == root / "usr" / "share" / "sounds" / "en"
    assert resolve_in_root(root, "/../../etc/passwd") == root / "etc" / "passwd"
    assert resolve_in_root(root, "/escape/passwd") == root / "etc" / "passwd"


def test_symlink_loops_raise(root: Path) -> None:
    (root / "a").symlink_to("/b")
    (root / "b").symlink_to("/a")
    with pytest.raises(OSError, match="too many levels"):
        resolve_in_root(root, "/a/x")


def test_locks_live_beside_the_root_so_a_wipe_keeps_them(root: Path) -> None:
    layout = SandboxLayout(root)
    assert layout.build_lock.parent == root.parent
    assert layout.run_lock.parent == root.parent
    assert layout.build_lock != layout.run_lock


def test_module_dir_comes_from_the_stock_asterisk_conf(root: Path) -> None:
    etc = root / "etc" / "asterisk"
    etc.mkdir(parents=True)
    (etc / "asterisk.conf").write_text(
        "[directories](!)\n"
        "astetcdir => /etc/asterisk\n"
        "astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules ; multiarch\n"
    )
    expected = root / "usr" / "lib" / "x86_64-linux-gnu" / "asterisk" / "modules"
    assert SandboxLayout(root).module_dir() == expected
