"""pid files, /proc checks and the flock that keeps one user per sandbox root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from controller.errors import SandboxError
from controller.sandbox import mounts as mounts_module
from controller.sandbox import process
from controller.sandbox.lock import FileLock
from controller.sandbox.mounts import ChrootMounts, mount_points


def test_read_pid(tmp_path: Path) -> None:
    pid_file = tmp_path / "asterisk.pid"
    assert process.read_pid(pid_file) is None
    pid_file.write_text("1234\n")
    assert process.read_pid(pid_file) == 1234
    pid_file.write_text("garbage")
    assert process.read_pid(pid_file) is None


def test_this_process_is_alive_but_not_a_sandbox_asterisk(tmp_path: Path) -> None:
    assert process.is_alive(os.getpid())
    assert process.process_state(os.getpid()) in {"R", "S"}
    assert not process.is_sandbox_asterisk(os.getpid(), tmp_path)


def test_a_zombie_counts_as_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        # Not reaped yet: the child stays a zombie until wait(), which is what an
        # exited daemon looks like before PID 1 reaps it.
        assert process.wait_gone(child.pid, timeout=10)
        assert process.process_state(child.pid) == "Z"
    finally:
        child.wait()
    assert process.process_state(child.pid) is None


def test_a_second_holder_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    first = FileLock(tmp_path / "root.run.lock", "in use")
    second = FileLock(tmp_path / "root.run.lock", "in use")
    first.acquire_or_fail()
    try:
        assert second.is_locked_elsewhere()
        with pytest.raises(SandboxError, match=f"in use by another process \\(pid {os.getpid()}"):
            second.acquire_or_fail()
    finally:
        first.release()
    assert not second.is_locked_elsewhere()
    second.acquire_or_fail()
    second.release()


def test_mount_points_include_the_root_filesystem() -> None:
    assert "/" in mount_points()


def test_recorded_mounts_that_are_gone_are_forgotten(tmp_path: Path) -> None:
    proc = tmp_path / "box" / "proc"
    state = tmp_path / "box.mounts.json"
    state.write_text(f'["{proc}"]')
    mounts = ChrootMounts(tmp_path / "box", state)
    assert mounts.mounted == [str(proc)]
    mounts.unmount()  # not mounted any more: nothing to run, the record is dropped
    assert mounts.mounted == []
    assert not state.exists()


def test_a_mount_held_open_is_detached_rather_than_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process still inside the chroot keeps /dev busy for a moment after Asterisk stops;
    # the teardown used to fail with "could not unmount ... dev; unmount by hand".
    monkeypatch.setattr(mounts_module, "_BUSY_RETRY_SECONDS", 0.3, raising=False)
    target = tmp_path / "box" / "dev"
    target.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(target)], check=True)
    state = tmp_path / "box.mounts.json"
    state.write_text(json.dumps([str(target)]))
    holder = (target / "held").open("w")
    try:
        mounts = ChrootMounts(tmp_path / "box", state)
        mounts.unmount()
        assert str(target) not in mount_points()
        assert mounts.mounted == []
    finally:
        holder.close()
        if str(target) in mount_points():
            subprocess.run(["umount", "--lazy", str(target)], check=False)
