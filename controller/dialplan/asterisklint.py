"""Run asterisklint (package asterisklint-jjs) on the flattened dialplan, in the background.

asterisklint checks applications, functions, expressions and patterns line by line at about
0.1 ms a line: a whole 10,000-extension dialplan takes many seconds. What it checks is shaped
by the templates, not by the values (those are escaped and validated before rendering), so a
large dialplan is linted as a sample: every context that is one of a kind, the first few of
each family of generated contexts (one per IVR menu, queue, route ...), each cut to its first
extensions. References between contexts are checked on the whole output by our own lint, so
the sample ignores asterisklint's "context not found" findings for what it left out.
Errors (``E_``) and warnings (``W_``) fail the lint; hints and informational classes do not.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

_IGNORED = frozenset(
    {"H_PAT_NON_CANONICAL", "H_DP_GENERAL_MISPLACED", "H_DP_GLOBALS_MISPLACED", "I_NOTIMPL_HINT"}
)
# Findings about contexts the sample left out.
_IGNORED_IN_SAMPLE = frozenset(
    {"E_DP_GOTO_NOCONTEXT", "W_DP_INCLUDE_MISSING", "E_DP_INCLUDE_MISSING"}
)
# ... and about other contexts, when single units are linted (controller.dialplan.incremental):
# references between contexts are our own lint's job, on the whole configuration.
_IGNORED_FOR_UNITS = _IGNORED_IN_SAMPLE | {"W_DP_GOTO_CONTEXT_NOEXTEN", "E_DP_GOTO_CONTEXT_NOLABEL"}
_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+) (?P<cls>[A-Z_]+): (?P<msg>.*)$")
_FAMILY = re.compile(r"^\[(pbx-(?:in|ivr|queue|qcb|tc|holiday|workday|ext|out|rec|meta)-)[^\]]*\]")
SAMPLE_ABOVE_LINES = 3000
PER_FAMILY = 2
LINES_PER_CONTEXT = 40


@dataclass(frozen=True, slots=True)
class Finding:
    flat_line: int | None
    message: str


def sample(flat: str) -> tuple[str, list[int]]:
    """The lines asterisklint should see, and the flat line number of each."""
    lines = flat.split("\n")
    if len(lines) <= SAMPLE_ABOVE_LINES:
        return flat, list(range(1, len(lines) + 1))
    kept: list[str] = []
    numbers: list[int] = []
    seen_families: dict[str, int] = {}
    keep_section = True
    in_section = 0
    for number, line in enumerate(lines, start=1):
        if line.startswith("["):
            family = _FAMILY.match(line)
            if family:
                count = seen_families.get(family.group(1), 0)
                seen_families[family.group(1)] = count + 1
                keep_section = count < PER_FAMILY
            else:
                keep_section = True
            in_section = 0
        elif keep_section and line.startswith("exten =>") and in_section >= LINES_PER_CONTEXT:
            keep_section = False  # cut at an extension boundary, never inside one
        if keep_section:
            kept.append(line)
            numbers.append(number)
            in_section += 1
    return "\n".join(kept) + "\n", numbers


class Running:
    def __init__(self, flat: str) -> None:
        text, self.numbers = sample(flat)
        self.sampled = len(self.numbers) < flat.count("\n") + 1
        self._dir = tempfile.TemporaryDirectory(prefix="pbx-lint-")
        path = Path(self._dir.name) / "extensions.conf"
        path.write_text(text, encoding="utf-8")
        tool = Path(sys.executable).with_name("asterisklint")
        command = [str(tool) if tool.exists() else "asterisklint", "dialplan-check"]
        self.error: str | None = None
        try:
            self._process: subprocess.Popen[str] | None = subprocess.Popen(
                [*command, "--func-odbc", "", str(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "ALINT_ASTERISK_VERSION": "22"},
            )
        except FileNotFoundError:
            self._process, self.error = None, "asterisklint-jjs is not installed"
        except OSError as exc:
            self._process, self.error = None, f"asterisklint could not run: {exc}"

    def issues(self, timeout: float = 300, *, ignore_references: bool = False) -> list[Finding]:
        try:
            if self._process is None:
                return [Finding(None, self.error or "asterisklint did not run")]
            try:
                out, err = self._process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.communicate()
                return [Finding(None, f"asterisklint took longer than {timeout:.0f} s")]
            findings = []
            for line in (err + out).splitlines():
                match = _LINE.match(line)
                if match is None:
                    continue
                cls = match["cls"]
                if cls in _IGNORED or cls[0] not in "EW":
                    continue
                if self.sampled and cls in _IGNORED_IN_SAMPLE:
                    continue
                if ignore_references and cls in _IGNORED_FOR_UNITS:
                    continue
                index = int(match["line"]) - 1
                flat_line = self.numbers[index] if 0 <= index < len(self.numbers) else None
                findings.append(Finding(flat_line, f"{cls}: {match['msg']}"))
            return findings
        finally:
            self._dir.cleanup()


def start(flat: str) -> Running:
    """Start asterisklint on ``flat`` (the flattened dialplan); read ``.issues()`` later."""
    return Running(flat)
