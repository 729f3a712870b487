"""Where the project's non-Python resources are: migrations, templates, AGI scripts, examples.

In a source checkout (the supported install: ``pip install -e .`` from a clone) they sit
next to the package; a wheel installs them under ``<prefix>/share/pbx-controller``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from controller.errors import ControllerError

_SOURCE_ROOT = Path(__file__).resolve().parent.parent
_SHARE = Path(sys.prefix) / "share" / "pbx-controller"


def resource_dir(name: str) -> Path:
    """Return the directory ``name`` (``sql``, ``dialplan_templates`` ...) wherever it lives."""
    for base in (_SOURCE_ROOT, _SHARE):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise ControllerError(
        f"resource directory {name!r} not found next to the package or in {_SHARE}; "
        "is pbx-controller installed completely?"
    )
