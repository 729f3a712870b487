from __future__ import annotations

import stat
from pathlib import Path

import pytest

from controller.errors import SettingsError
from controller.secrets import ensure_secret


def test_secret_is_created_once_private_and_then_reused(tmp_path: Path) -> None:
    first = ensure_secret(tmp_path, "ami-secret")
    assert first.created
    assert len(first.value) >= 24
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(first.path.parent.stat().st_mode) == 0o700
    again = ensure_secret(tmp_path, "ami-secret")
    assert not again.created
    assert again.value == first.value
    assert ensure_secret(tmp_path, "api-secret").value != first.value


def test_empty_secret_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "x"
    path.parent.mkdir()
    path.write_text("\n")
    with pytest.raises(SettingsError, match="is empty"):
        ensure_secret(tmp_path, "x")
