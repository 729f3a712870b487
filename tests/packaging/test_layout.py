"""What a wheel contains follows from the source layout: catch the gaps without building one.

The slow, complete check (build the sdist and the wheel, install, run) is
scripts/ci/wheel_check.py; these fail in a second on the two usual mistakes: a package folder
without ``__init__.py`` (``packages = find:`` leaves it out of the wheel) and a resource file
that ``[options.data_files]`` does not install.
"""

from __future__ import annotations

import configparser
from pathlib import Path, PurePosixPath

import pytest

from controller import paths

REPO = Path(__file__).resolve().parent.parent.parent
PACKAGE = REPO / "controller"
# The folders controller/paths.py serves (resource_dir) and agi_scripts (its install docs).
RESOURCE_FOLDERS = ("sql", "dialplan_templates", "agi_scripts", "examples")


def _source_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def _data_files() -> dict[PurePosixPath, PurePosixPath]:
    """Each source file [options.data_files] installs -> where, relative to <data>."""
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg", encoding="utf-8")
    installed: dict[PurePosixPath, PurePosixPath] = {}
    for target, value in parser["options.data_files"].items():
        for pattern in value.replace("\n", ",").split(","):
            for source in sorted(REPO.glob(pattern.strip())) if pattern.strip() else ():
                relative = PurePosixPath(source.relative_to(REPO).as_posix())
                installed[relative] = PurePosixPath(target) / source.name
    return installed


def test_every_package_folder_has_an_init() -> None:
    missing = [
        folder.relative_to(REPO).as_posix()
        for folder in [PACKAGE, *PACKAGE.rglob("*")]
        if folder.is_dir()
        and folder.name != "__pycache__"
        and any(folder.glob("*.py"))
        and not (folder / "__init__.py").is_file()
    ]
    assert missing == [], f"package folders the wheel would leave out: {missing}"


def test_every_file_beside_the_code_is_package_data() -> None:
    # Templates, scripts, styles and catalogues inside the package reach the wheel only
    # through [options.package_data]: a new template folder (admin/) was once left out.
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg", encoding="utf-8")
    covered: set[Path] = set()
    for package, value in parser["options.package_data"].items():
        base = REPO / package.replace(".", "/")
        for pattern in value.replace("\n", ",").split(","):
            if pattern.strip():
                covered.update(base.glob(pattern.strip()))
    left_out = [
        source.relative_to(REPO).as_posix()
        for source in _source_files(PACKAGE)
        if source.suffix not in (".py", ".mo") and source not in covered
    ]
    assert left_out == [], f"fix [options.package_data] in setup.cfg: {left_out}"


@pytest.mark.parametrize("folder", RESOURCE_FOLDERS)
def test_every_resource_file_is_installed_under_share(folder: str) -> None:
    installed = _data_files()
    files = _source_files(REPO / folder)
    assert files, f"{folder}/ is empty"
    share = PurePosixPath(*paths.SHARE_PARTS)
    wrong = {}
    for source in files:
        relative = PurePosixPath(source.relative_to(REPO).as_posix())
        if installed.get(relative) != share / relative:
            wrong[str(relative)] = str(installed.get(relative, "not installed"))
    assert wrong == {}, f"fix [options.data_files] in setup.cfg: {wrong}"


def test_installed_share_is_found_through_the_distributions_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wheel installed with another data directory than sys.prefix (pip on Debian's
    system Python: /usr/local) is still found: RECORD names where its files went."""
    site = tmp_path / "lib" / "python3" / "site-packages"
    info = site / "pbx_controller-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pbx-controller\nVersion: 1.0\n")
    (info / "RECORD").write_text(
        "controller/__init__.py,,\n../../../share/pbx-controller/sql/alembic.ini,,\n"
    )
    (tmp_path / "share" / "pbx-controller" / "sql").mkdir(parents=True)
    fake = paths.importlib.metadata.PathDistribution(info)
    monkeypatch.setattr(paths.importlib.metadata, "distribution", lambda name: fake)
    monkeypatch.setattr(paths, "source_root", lambda: None)
    paths.installed_share.cache_clear()
    try:
        assert paths.installed_share() == tmp_path / "share" / "pbx-controller"
        assert paths.resource_dir("sql") == tmp_path / "share" / "pbx-controller" / "sql"
    finally:
        paths.installed_share.cache_clear()


def test_a_checkout_serves_its_own_folders() -> None:
    """Editable installs (scripts/install.sh) use the checkout's folders, not a copy."""
    assert paths.source_root() == REPO
    assert paths.resource_dir("sql") == REPO / "sql"
