"""The vendored JavaScript is what scripts/vendor_js.py pins (versions, registry integrity,
file hashes), and the wheel ships it."""

from __future__ import annotations

import configparser
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_js", REPO / "scripts" / "vendor_js.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_vendored_files_match_the_pins() -> None:
    assert _script().check() == []


def test_a_changed_file_is_noticed(tmp_path: Path) -> None:
    script = _script()
    for path in script.VENDOR.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    script.VENDOR, script.MANIFEST = tmp_path, tmp_path / "vendor.json"
    (tmp_path / "htmx-2.0.11.min.js").write_bytes(b"alert(1)")
    assert script.check() == ["htmx-2.0.11.min.js: differs from htmx.org@2.0.11"]


def test_the_wheel_ships_the_vendored_files() -> None:
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg", encoding="utf-8")
    patterns = parser["options.package_data"]["controller.web"].split()
    web = REPO / "controller" / "web"
    shipped = {p for pattern in patterns for p in web.glob(pattern) if p.is_file()}
    vendor = {p for p in (web / "static" / "vendor").iterdir() if p.is_file()}
    assert vendor - shipped == set()
