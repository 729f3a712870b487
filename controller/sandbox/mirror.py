"""Find the Debian archive the host already uses, so the sandbox build needs no host name of
its own (a machine behind a proxy or a local mirror keeps working).

Both source formats are read: deb822 ``*.sources`` files (``URIs:`` fields) and one-line
``sources.list`` entries. Security archives are skipped: they carry no ``sid``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from controller.errors import SandboxError

APT_DIR = Path("/etc/apt")
# debootstrap fetches over these; apt-only schemes (mirror+file:, tor+http:) it cannot use.
_SCHEMES = ("http://", "https://", "file:/", "ftp://")


@dataclass(frozen=True, slots=True)
class AptSource:
    uri: str
    suites: tuple[str, ...]


def parse_deb822(text: str) -> list[AptSource]:
    """Binary (``Types: deb``) entries of a deb822 ``.sources`` file, in file order."""
    sources: list[AptSource] = []
    for stanza in _stanzas(text):
        if stanza.get("enabled", "yes").strip().lower() == "no":
            continue
        if "deb" not in stanza.get("types", "").split():
            continue
        suites = tuple(stanza.get("suites", "").split())
        sources += [AptSource(uri, suites) for uri in stanza.get("uris", "").split()]
    return sources


def _stanzas(text: str) -> Iterator[dict[str, str]]:
    fields: dict[str, str] = {}
    key = ""
    for raw in [*text.splitlines(), ""]:
        line = raw.rstrip()
        if line.startswith("#"):
            continue
        if not line:  # a blank line ends a stanza
            if fields:
                yield fields
            fields, key = {}, ""
        elif line[0] in " \t" and key:  # continuation of a multi-line field
            fields[key] += " " + line.strip()
        else:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            fields[key] = value.strip()


def parse_one_line(text: str) -> list[AptSource]:
    """``deb [options] URI suite [component...]`` lines of a ``sources.list`` file."""
    sources: list[AptSource] = []
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = words[1:]
        if words and words[0].startswith("["):  # [arch=amd64 signed-by=...] may span words
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2:
            sources.append(AptSource(words[0], (words[1],)))
    return sources


def _is_security(source: AptSource) -> bool:
    if source.uri.rstrip("/").endswith("-security"):
        return True
    return bool(source.suites) and all(s.endswith(("-security", "/updates")) for s in source.suites)


def choose_mirror(sources: Iterable[AptSource]) -> str | None:
    """The first usable Debian archive URI, or None. A URI with ``debian`` in it wins over
    one without (an Ubuntu archive has no ``sid``)."""
    usable = [s for s in sources if s.uri.startswith(_SCHEMES) and not _is_security(s)]
    debian = [s for s in usable if "debian" in s.uri.lower()]
    chosen = (debian or usable or [None])[0]
    return chosen.uri.rstrip("/") if chosen else None


def host_sources(apt_dir: Path = APT_DIR) -> list[AptSource]:
    """Every binary source the host's apt reads, deb822 files first (Debian 12's default)."""
    sources: list[AptSource] = []
    parts = apt_dir / "sources.list.d"
    for path in sorted(parts.glob("*.sources")) if parts.is_dir() else []:
        sources += parse_deb822(path.read_text(encoding="utf-8", errors="replace"))
    lists = [apt_dir / "sources.list"]
    lists += sorted(parts.glob("*.list")) if parts.is_dir() else []
    for path in lists:
        if path.is_file():
            sources += parse_one_line(path.read_text(encoding="utf-8", errors="replace"))
    return sources


def host_mirror(apt_dir: Path = APT_DIR) -> str:
    """The Debian archive URI of the host's apt sources; SandboxError when there is none."""
    mirror = choose_mirror(host_sources(apt_dir))
    if mirror is None:
        raise SandboxError(
            f"no Debian archive found in the apt sources under {apt_dir}; set the mirror "
            "with the sandbox.mirror setting (PBXCTL_SANDBOX_MIRROR)"
        )
    return mirror
