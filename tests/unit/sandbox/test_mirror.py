"""Reading the Debian archive out of the host's apt sources, in both formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.errors import SandboxError
from controller.sandbox.mirror import (
    AptSource,
    choose_mirror,
    host_mirror,
    parse_deb822,
    parse_one_line,
)

DEBIAN_12 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
"""


def test_deb822_stanzas_in_order() -> None:
    assert parse_deb822(DEBIAN_12) == [
        AptSource("http://deb.debian.org/debian", ("bookworm", "bookworm-updates")),
        AptSource("http://deb.debian.org/debian-security", ("bookworm-security",)),
    ]


def test_deb822_skips_disabled_and_source_only_and_reads_several_uris() -> None:
    text = """\
Types: deb-src
URIs: http://src.example/debian
Suites: sid

Enabled: no
Types: deb
URIs: http://off.example/debian
Suites: sid

types: deb deb-src
uris: http://a.example/debian
  http://b.example/debian
suites: trixie
"""
    assert [s.uri for s in parse_deb822(text)] == [
        "http://a.example/debian",
        "http://b.example/debian",
    ]


def test_one_line_format_with_options_and_comments() -> None:
    text = """\
# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://opt.example/debian bookworm main
deb [ trusted=yes ] http://spaced.example/debian bookworm main  # trailing comment
deb http://security.debian.org/debian-security bookworm-security main
"""
    assert parse_one_line(text) == [
        AptSource("http://opt.example/debian", ("bookworm",)),
        AptSource("http://spaced.example/debian", ("bookworm",)),
        AptSource("http://security.debian.org/debian-security", ("bookworm-security",)),
    ]


def test_choose_skips_security_and_prefers_a_debian_archive() -> None:
    sources = [
        AptSource("http://security.debian.org/debian-security", ("bookworm-security",)),
        AptSource("http://security.debian.org/", ("buster/updates",)),
        AptSource("mirror+file:/etc/apt/mirrors.txt", ("bookworm",)),
        AptSource("https://packages.example.com/stable/", ("stable",)),
        AptSource("http://ftp.de.debian.org/debian/", ("bookworm",)),
    ]
    assert choose_mirror(sources) == "http://ftp.de.debian.org/debian"
    assert choose_mirror(sources[:4]) == "https://packages.example.com/stable"
    assert choose_mirror(sources[:3]) is None


def test_host_mirror_reads_deb822_before_sources_list(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEBIAN_12)
    (tmp_path / "sources.list").write_text("deb http://one-line.example/debian bookworm main\n")
    assert host_mirror(tmp_path) == "http://deb.debian.org/debian"


def test_host_mirror_falls_back_to_sources_list(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text("deb http://one-line.example/debian bookworm main\n")
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "x.list.disabled").write_text("deb http://no.example/ x main\n")
    assert host_mirror(tmp_path) == "http://one-line.example/debian"


def test_host_mirror_without_any_archive_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="PBXCTL_SANDBOX_MIRROR"):
        host_mirror(tmp_path)
