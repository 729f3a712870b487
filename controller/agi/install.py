"""Install the classic AGI script into Asterisk's agi-bin directory.

The script is a few lines that import :mod:`controller.agi.classic`, so it must run with a
Python interpreter that has the controller installed (the controller's own virtualenv).
"""

from __future__ import annotations

from pathlib import Path

SCRIPT_NAME = "pbx-agi.py"  # what ${PBX_CLASSIC_AGI} names (controller.dialplan.model.Options)
DEFAULT_AGI_BIN = Path("/usr/share/asterisk/agi-bin")
_BODY = '''"""Classic AGI entry point of pbx-controller: AGI(pbx-agi.py,<route>,<arg>...).

Asterisk runs it when the FastAGI server cannot be reached; see controller/agi/classic.py.
Install it with `pbxctl agi install-classic`, which points the first line at the Python
that has the controller installed.
"""

import sys

from controller.agi.classic import main

if __name__ == "__main__":
    sys.exit(main())
'''


def script_text(python: str) -> str:
    return f"#!{python}\n{_BODY}"


def install_classic(agi_bin: Path, python: str) -> Path:
    """Write the script (mode 0755) atomically; return its path."""
    if not python.startswith("/"):
        raise ValueError(f"the interpreter must be an absolute path, not {python!r}")
    agi_bin.mkdir(parents=True, exist_ok=True)
    target = agi_bin / SCRIPT_NAME
    temporary = agi_bin / f".{SCRIPT_NAME}.tmp"
    temporary.write_text(script_text(python), encoding="utf-8")
    temporary.chmod(0o755)
    temporary.replace(target)
    return target
