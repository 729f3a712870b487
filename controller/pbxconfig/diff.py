"""What an import would change: objects added, changed and removed, section by section."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from controller.pbxconfig.schema import SECTION_KEYS, Extension, PbxConfig


@dataclass
class SectionDiff:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reordered: bool = False

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.reordered)


@dataclass
class ConfigDiff:
    site_changed: bool
    sections: dict[str, SectionDiff]

    @property
    def empty(self) -> bool:
        return not self.site_changed and all(d.empty for d in self.sections.values())

    def keys(self, section: str, *kinds: str) -> set[str]:
        diff = self.sections[section]
        return {key for kind in kinds for key in getattr(diff, kind)}

    def counts(self) -> dict[str, dict[str, int]]:
        """How many objects each section adds, changes and removes (for the audit log)."""
        return {
            section: {k: len(getattr(d, k)) for k in ("added", "changed", "removed")}
            for section, d in self.sections.items()
            if not d.empty
        } | ({"site": {"changed": 1}} if self.site_changed else {})

    def render(self) -> str:
        lines = []
        if self.site_changed:
            lines.append("site: changed")
        for section, diff in self.sections.items():
            if diff.empty:
                continue
            parts = []
            for kind in ("added", "changed", "removed"):
                keys: list[str] = getattr(diff, kind)
                if keys:
                    shown = ", ".join(keys[:8]) + (
                        f" and {len(keys) - 8} more" if len(keys) > 8 else ""
                    )
                    parts.append(f"{len(keys)} {kind} ({shown})")
            if diff.reordered and not parts:
                parts.append("order changed")
            lines.append(f"{section}: " + "; ".join(parts))
        return "\n".join(lines) if lines else "no changes"


def _keep_secrets(old: Any, new: Any) -> Any:
    """A secret left out of the new file is kept on import, so it is not a change either."""
    if not isinstance(old, Extension) or not isinstance(new, Extension):
        return new
    update: dict[str, Any] = {}
    if old.phone and new.phone and new.phone.password is None and old.phone.password:
        update["phone"] = new.phone.model_copy(update={"password": old.phone.password})
    if old.voicemail and new.voicemail and new.voicemail.pin is None and old.voicemail.pin:
        update["voicemail"] = new.voicemail.model_copy(update={"pin": old.voicemail.pin})
    return new.model_copy(update=update) if update else new


def diff_configs(old: PbxConfig | None, new: PbxConfig) -> ConfigDiff:
    sections: dict[str, SectionDiff] = {}
    for section, (key_field, _what) in SECTION_KEYS.items():
        old_items = {getattr(x, key_field): x for x in getattr(old, section)} if old else {}
        new_items = {getattr(x, key_field): x for x in getattr(new, section)}
        diff = SectionDiff()
        for key, item in new_items.items():
            if key not in old_items:
                diff.added.append(key)
            elif _keep_secrets(old_items[key], item) != old_items[key]:
                diff.changed.append(key)
        diff.removed = [key for key in old_items if key not in new_items]
        kept_old = [k for k in old_items if k in new_items]
        kept_new = [k for k in new_items if k in old_items]
        diff.reordered = kept_old != kept_new
        sections[section] = diff
    return ConfigDiff(site_changed=old is None or old.site != new.site, sections=sections)
