"""ensure_copied: a built root copied for a second sandbox (one per test worker)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from controller.errors import SandboxError
from controller.sandbox import BuildInfo, SandboxLayout, ensure_copied, read_build_info

INFO = BuildInfo("sid", ("asterisk",), "http://deb.example/debian", 61.0)


def _fake_build(root: Path, info: BuildInfo = INFO) -> SandboxLayout:
    """What read_build_info checks: the Asterisk binary and the marker."""
    layout = SandboxLayout(root)
    layout.asterisk_binary.parent.mkdir(parents=True, exist_ok=True)
    layout.asterisk_binary.write_text("#!/bin/sh\n")
    layout.marker.parent.mkdir(parents=True, exist_ok=True)
    layout.marker.write_text(json.dumps(dataclasses.asdict(info)))
    (root / "etc").mkdir(exist_ok=True)
    (root / "etc" / "hostname").write_text("sandbox\n")
    return layout


def test_a_built_root_is_copied_once(tmp_path: Path) -> None:
    _fake_build(tmp_path / "base")
    target = tmp_path / "base-gw1"
    assert ensure_copied(tmp_path / "base", target) == INFO
    assert read_build_info(SandboxLayout(target)) == INFO
    assert (target / "etc" / "hostname").read_text() == "sandbox\n"
    # The same build there: nothing is copied again (a file of the copy's own stays).
    (target / "etc" / "own").write_text("kept")
    lines: list[str] = []
    ensure_copied(tmp_path / "base", target, progress=lines.append)
    assert (target / "etc" / "own").read_text() == "kept"
    assert lines == []
    assert not (tmp_path / "base-gw1.copying").exists()


def test_a_different_build_is_replaced(tmp_path: Path) -> None:
    _fake_build(tmp_path / "base")
    _fake_build(tmp_path / "old", dataclasses.replace(INFO, suite="bookworm"))
    (tmp_path / "old" / "stale").write_text("x")
    lines: list[str] = []
    ensure_copied(tmp_path / "base", tmp_path / "old", progress=lines.append)
    assert read_build_info(SandboxLayout(tmp_path / "old")) == INFO
    assert not (tmp_path / "old" / "stale").exists()
    assert lines == [f"copying the sandbox at {tmp_path / 'base'} to {tmp_path / 'old'}"]


def test_an_unbuilt_source_is_refused(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    with pytest.raises(SandboxError, match="not a completed sandbox build"):
        ensure_copied(tmp_path / "half", tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
