"""Vendor the pages' JavaScript from the npm registry, reproducibly (no Node anywhere).

    python scripts/vendor_js.py            # download, verify, write controller/web/static/vendor/
    python scripts/vendor_js.py --check    # offline: the committed files are what the pins say

Each package is pinned to a version and to the ``dist.integrity`` (SHA-512 of the tarball) the
registry published for it. The script asks the registry for the version's metadata, refuses
an integrity other than the pinned one (a re-published or tampered tarball), downloads the
tarball, checks its SHA-512, and copies the one dist file the pages load, under a versioned
name, with the package's licence texts. ``vendor.json`` records what was copied from where,
with the SHA-256 of each written file; ``--check`` compares the files against it.

To upgrade a package: change its version and integrity below (``npm view NAME@VERSION
dist.integrity``, or https://registry.npmjs.org/NAME/VERSION), run the script, look at the
pages (tests/browser), commit the script, the new files and vendor.json together.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
VENDOR = Path(__file__).resolve().parent.parent / "controller" / "web" / "static" / "vendor"
MANIFEST = VENDOR / "vendor.json"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity for this version
    files: dict[str, str] = field(default_factory=dict)  # member in the tarball -> file here
    licences: tuple[str, ...] = ()  # members concatenated into the licence file
    licence_file: str = ""  # where the licence texts go (several packages may share one)


PACKAGES = (
    Package(
        "htmx.org",
        "2.0.11",
        "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        {"package/dist/htmx.min.js": "htmx-2.0.11.min.js"},
        ("package/LICENSE",),
        "LICENSE-htmx.txt",
    ),
    # The CSP build: expressions are parsed, never compiled with Function() (no 'unsafe-eval').
    Package(
        "@alpinejs/csp",
        "3.17.4",
        "sha512-SlRXmqO6kYhnxlg+99etmuzJtE9Lk4QbKjBHqerXzaMflJqoJXdz/SI3IvHJGZ/vRVyC3bR0SSBz40oY7goBeg==",
        {"package/dist/cdn.min.js": "alpine-csp-3.17.4.min.js"},
        (),
        "LICENSE-alpine.txt",
    ),
    # Bundled inside the Alpine build above (its banner says v3.5.41): only its licence text.
    Package(
        "@vue/reactivity",
        "3.5.41",
        "sha512-rznsqKM0np0x18EjzF8x88MpEhdNsffbvFbckLL5+oUKz1BxAImEmO7J1ArRYSyo6aQaVoBDp7jEkT91OOxydA==",
        {},
        ("package/LICENSE",),
        "LICENSE-alpine.txt",
    ),
    Package(
        "echarts",
        "6.1.0",
        "sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==",
        {"package/dist/echarts.min.js": "echarts-6.1.0.min.js"},
        ("package/LICENSE", "package/NOTICE", "package/licenses/LICENSE-d3"),
        "LICENSE-echarts.txt",
    ),
)

# @alpinejs/csp declares "license": "MIT" in its package.json but ships no licence file; this
# is the LICENSE.md of its repository (github.com/alpinejs/alpine).
ALPINE_LICENCE = """\
MIT License

Copyright © 2019-2021 Caleb Porzio and contributors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


class VendorError(Exception):
    pass


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _get(url: str) -> bytes:
    if not url.startswith("https://"):
        raise VendorError(f"not an https address: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - https only
        return bytes(response.read())


def fetch(package: Package) -> tarfile.TarFile:
    """The package's tarball, after both integrity checks."""
    meta = json.loads(_get(f"{REGISTRY}/{package.name}/{package.version}"))
    published = meta["dist"]["integrity"]
    if published != package.integrity:
        raise VendorError(
            f"{package.name}@{package.version}: the registry publishes integrity {published}, "
            f"the pin says {package.integrity}"
        )
    data = _get(meta["dist"]["tarball"])
    if sri(data) != package.integrity:
        raise VendorError(f"{package.name}@{package.version}: the tarball's SHA-512 differs")
    return tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(name)
    if handle is None:
        raise VendorError(f"{name} is not a file in the tarball")
    return handle.read()


def build() -> dict[str, bytes]:
    """Every file of the vendor folder, by name."""
    out: dict[str, bytes] = {}
    licences: dict[str, list[str]] = {}
    manifest: dict[str, object] = {"registry": REGISTRY, "packages": []}
    for package in PACKAGES:
        print(f"{package.name}@{package.version}", file=sys.stderr)
        with fetch(package) as tar:
            for member, target in package.files.items():
                out[target] = _member(tar, member)
            texts = [_member(tar, m).decode("utf-8") for m in package.licences]
        if package.name == "@alpinejs/csp":
            texts = [ALPINE_LICENCE]
        header = f"==== {package.name} {package.version} ====\n\n"
        licences.setdefault(package.licence_file, []).append(header + "\n\n".join(texts))
        manifest["packages"].append({  # type: ignore[attr-defined]
            "name": package.name,
            "version": package.version,
            "integrity": package.integrity,
            "files": {t: sha256(out[t]) for t in package.files.values()},
            "licence": package.licence_file,
        })  # fmt: skip
    for name, parts in licences.items():
        out[name] = "\n\n".join(p.rstrip() + "\n" for p in parts).encode("utf-8")
    out[MANIFEST.name] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    return out


def check() -> list[str]:
    """What differs between the folder and the pins (offline)."""
    problems: list[str] = []
    if not MANIFEST.is_file():
        return [f"{MANIFEST} is missing: run scripts/vendor_js.py"]
    recorded = {p["name"]: p for p in json.loads(MANIFEST.read_text())["packages"]}
    for package in PACKAGES:
        entry = recorded.get(package.name)
        if entry is None or (entry["version"], entry["integrity"]) != (
            package.version,
            package.integrity,
        ):
            problems.append(f"{package.name}: vendor.json does not match the pin; run the script")
            continue
        for target, digest in entry["files"].items():
            path = VENDOR / target
            if not path.is_file():
                problems.append(f"{target}: missing")
            elif sha256(path.read_bytes()) != digest:
                problems.append(f"{target}: differs from {package.name}@{package.version}")
        if not (VENDOR / package.licence_file).is_file():
            problems.append(f"{package.licence_file}: missing")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify offline, change nothing")
    args = parser.parse_args()
    if args.check:
        problems = check()
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    try:
        files = build()
    except (VendorError, OSError, KeyError, ValueError) as exc:
        print(f"vendor_js: {exc}", file=sys.stderr)
        return 1
    VENDOR.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(files.items()):
        path = VENDOR / name
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(VENDOR.parents[3])}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
