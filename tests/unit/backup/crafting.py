"""Make backups a test needs: small ones from scratch, and altered copies of real ones.

``rewrite`` copies a backup, replacing members and editing the manifest; replaced members get
correct checksums in the manifest, so the copy tests what lies behind the checksums (a bad
value, an unsafe name), unless ``fix_checksums`` is off.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Manifest = dict[str, Any]


def _entries(manifest: Manifest) -> list[dict[str, Any]]:
    return [*manifest["tables"], *manifest["files"]]


def rewrite(
    source: Path,
    target: Path,
    *,
    members: dict[str, bytes | None] | None = None,
    edit: Callable[[Manifest], None] | None = None,
    fix_checksums: bool = True,
) -> Path:
    """Copy ``source`` to ``target``; ``members`` maps names to new content (None removes,
    a new name adds the member, listed in the manifest's files)."""
    members = members or {}
    with zipfile.ZipFile(source) as archive:
        content = {name: archive.read(name) for name in archive.namelist()}
    manifest: Manifest = json.loads(content.pop("manifest.json"))
    for name, data in members.items():
        if data is None:
            content.pop(name, None)
            continue
        listed = next((e for e in _entries(manifest) if e["member"] == name), None)
        if listed is None:
            listed = {"member": name}
            manifest["files"].append(listed)
        content[name] = data
        if fix_checksums:
            listed["sha256"] = hashlib.sha256(data).hexdigest()
            listed["size"] = len(data)
            if name.startswith("tables/"):
                listed["rows"] = data.count(b"\n")
    if edit is not None:
        edit(manifest)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", json.dumps(manifest))
    return target
