"""Where the project's non-Python resources are: migrations, templates, AGI scripts, examples.

In a source checkout (``scripts/install.sh``: ``pip install -e .`` from a clone) they are the
top-level folders next to the package. A wheel (``pip install``, a package mirror, a
distribution package) installs them as data files under ``<data>/share/pbx-controller``
(``[options.data_files]`` in setup.cfg). ``<data>`` is the install scheme's data directory:
``sys.prefix`` in a virtualenv, but ``/usr/local`` for pip on Debian's system Python and
``~/.local`` for ``pip install --user``, so the distribution's own file list says where.
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys
import sysconfig
from pathlib import Path

from controller.errors import ControllerError

DISTRIBUTION = "pbx-controller"
SHARE_PARTS = ("share", "pbx-controller")

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def source_root() -> Path | None:
    """The checkout the package is imported from, or None when it is installed.

    An installed package's parent is site-packages, where another distribution may have put
    a top-level ``sql`` or ``examples`` folder: only a checkout has pyproject.toml there.
    """
    return _PACKAGE_PARENT if (_PACKAGE_PARENT / "pyproject.toml").is_file() else None


@functools.cache
def installed_share() -> Path | None:
    """``share/pbx-controller`` as the installed distribution's file list (RECORD) names it."""
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        parts = file.parts
        for index in range(len(parts) - 1):
            if parts[index : index + 2] == SHARE_PARTS:
                share = distribution.locate_file(Path(*parts[: index + 2]))
                return Path(str(share)).resolve()
    return None


def resource_bases() -> list[Path]:
    """The directories that may hold the resource folders, in the order they are tried."""
    bases = [source_root(), installed_share()]
    # Without a RECORD (some distribution packages drop it): the usual data directories.
    for data in (sysconfig.get_path("data"), sys.prefix):
        bases.append(Path(data).joinpath(*SHARE_PARTS))
    unique: list[Path] = []
    for base in bases:
        if base is not None and base not in unique:
            unique.append(base)
    return unique


def resource_dir(name: str) -> Path:
    """Return the directory ``name`` (``sql``, ``dialplan_templates`` ...) wherever it lives."""
    bases = resource_bases()
    for base in bases:
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise ControllerError(
        f"resource directory {name!r} not found in {', '.join(map(str, bases))}; "
        "is pbx-controller installed completely?"
    )
