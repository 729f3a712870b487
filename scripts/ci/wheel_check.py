"""CI: a wheel is the program.

From a copy of the checkout's source files, builds the sdist, and the wheel from that sdist
(``python -m build``: so the sdist holds what a build needs); checks both hold every source
file they must carry; installs the wheel alone into a fresh virtualenv outside the checkout
and, from a working directory outside it too (so nothing is imported from the source tree),
runs ``pbxctl db upgrade``, ``pbxctl config import`` of the example the installed package
ships, ``pbxctl dialplan render --out DIR``, and ``pbxctl serve`` against the sandbox
Asterisk until it is ready (AMI connected and synchronised, read from its API), then stops
both by process group. Everything it makes is in one temporary directory, removed at the
end. Honours PBXCTL_SANDBOX_ROOT and the other sandbox settings; every other PBXCTL_*
variable of the caller is left out.

Usage: .venv/bin/python scripts/ci/wheel_check.py   (a Python with the `build` package)
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from support import (
    REPO,
    CheckFailed,
    Group,
    free_port,
    get_json,
    main,
    run,
    say,
    tail,
    wait_for,
)

BUILD_TIMEOUT = 300.0
INSTALL_TIMEOUT = 600.0
SANDBOX_TIMEOUT = 300.0  # includes building the chroot on a machine that has none yet
SERVE_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0

# What the sdist must hold to build the wheel and to be a source release of the program.
SDIST_FOLDERS = (
    "controller",
    "sql",
    "dialplan_templates",
    "agi_scripts",
    "examples",
    "docs",
    "systemd",
)
SDIST_FILES = ("setup.cfg", "pyproject.toml", "README.md", "MANIFEST.in")
# Installed by the wheel as data files under <data>/share/pbx-controller (controller/paths.py).
RESOURCE_FOLDERS = ("sql", "dialplan_templates", "agi_scripts", "examples")
SHARE = "share/pbx-controller"
# The rendered files any configuration has (see controller.dialplan.render.FILES).
RENDERED = ("extensions.conf", "pjsip.conf", "queues.conf")

# `sandbox start` names the file that holds the AMI secret, never the secret itself.
_SECRET_FILE = re.compile(r"^\s*secret:\s+in\s+(\S+)", re.MULTILINE)


def export_source(target: Path) -> list[str]:
    """Copy the checkout's files as git sees them (tracked or new, not ignored: no stale
    *.egg-info, whose SOURCES.txt setuptools would add to the sdist) into ``target``."""
    listing = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        log=Path(os.devnull),
    )
    names = sorted({n for n in listing.split("\0") if n and (REPO / n).is_file()})
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target / name)
    return names


def under(files: list[str], *folders: str) -> list[str]:
    return [f for f in files if f.split("/", 1)[0] in folders]


def build(source: Path, dist: Path, log: Path) -> tuple[Path, Path]:
    # Without --sdist/--wheel, `build` makes the sdist and then the wheel from the sdist.
    argv = [sys.executable, "-m", "build", "--outdir", dist, source]
    run(argv, cwd=source, log=log, timeout=BUILD_TIMEOUT)
    sdists, wheels = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        raise CheckFailed(f"expected one sdist and one wheel in {dist}: {sdists + wheels}")
    return sdists[0], wheels[0]


def check_sdist(sdist: Path, files: list[str]) -> None:
    with tarfile.open(sdist) as archive:
        # Every member is under the "<name>-<version>/" folder.
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = [f for f in (*SDIST_FILES, *under(files, *SDIST_FOLDERS)) if f not in names]
    if missing:
        raise CheckFailed(f"the sdist lacks {len(missing)} source files: {missing}")
    say(f"sdist {sdist.name}: {len(names)} entries, every source file included")


def check_wheel(wheel: Path, files: list[str]) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    data = next((n.split("/data/", 1)[0] for n in names if ".data/data/" in n), "<no .data>")
    expected = under(files, "controller") + [
        f"{data}/data/{SHARE}/{f}" for f in under(files, *RESOURCE_FOLDERS)
    ]
    missing = [f for f in expected if f not in names]
    if missing:
        raise CheckFailed(f"the wheel lacks {len(missing)} files: {missing}")
    say(f"wheel {wheel.name}: the package and every resource file under {SHARE}")


def program_environment(work: Path) -> dict[str, str]:
    """The caller's environment without anything that could lead Python or pbxctl back to
    the checkout or to the caller's settings; the sandbox settings are kept."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
        and (not k.startswith("PBXCTL_") or k.startswith("PBXCTL_SANDBOX_"))
    }
    (work / "controller.toml").write_text("", encoding="utf-8")
    return {
        **env,
        "PBXCTL_CONFIG": str(work / "controller.toml"),
        "PBXCTL_DATA_DIR": str(work / "data"),
        "PBXCTL_TEMPLATES_DIR": str(work / "no-template-overrides"),  # the installed ones only
        "PBXCTL_LOG_LEVEL": "info",
    }


def installed_example(python: Path, venv: Path, cwd: Path, env: dict[str, str], log: Path) -> Path:
    """The example configuration, found through the installed package; checks that the
    package and its resources come from the virtualenv, not from the checkout."""
    code = (
        "import controller, controller.paths as p; print(controller.__file__); "
        "print(p.resource_dir('examples') / 'company.yaml')"
    )
    package, example = map(Path, run([python, "-c", code], cwd=cwd, env=env, log=log).split())
    for what, path in (("the package", package), ("the example", example)):
        if not path.resolve().is_relative_to(venv.resolve()):
            raise CheckFailed(f"{what} is not the installed one: {path}")
    if not example.is_file():
        raise CheckFailed(f"the installed example is missing: {example}")
    say(f"installed package: {package.parent}; example: {example}")
    return example


def check_rendered(out: Path) -> None:
    files = sorted(p.name for p in out.iterdir())
    empty = [name for name in files if (out / name).stat().st_size == 0]
    missing = [name for name in RENDERED if name not in files]
    if missing or empty:
        raise CheckFailed(f"dialplan render: missing {missing}, empty {empty} (got {files})")
    say(f"rendered {len(files)} files: {', '.join(files)}")


def serve_ready(api: str, token: str) -> dict[str, object] | None:
    try:
        ami = get_json(f"{api}/api/v1/status", token).get("ami", {})
    except OSError:
        return None
    return ami if ami.get("connected") and ami.get("resyncs", 0) >= 1 else None


def run_service(pbxctl: Path, cwd: Path, env: dict[str, str], work: Path, log: Path) -> None:
    """The sandbox Asterisk, then `pbxctl serve` until ready; both stopped by process group."""
    ami_port = str(free_port())
    env = {**env, "PBXCTL_AMI_PORT": ami_port}
    started: list[Group] = []
    try:
        asterisk = Group([pbxctl, "sandbox", "start"], cwd=cwd, log=work / "sandbox.log", env=env)
        started.append(asterisk)
        secret_file = wait_for(
            "running sandbox Asterisk",
            lambda: (m := _SECRET_FILE.search(asterisk.log.read_text())) and m.group(1),
            within=SANDBOX_TIMEOUT,
            alive=asterisk,
        )
        secret = (cwd / secret_file).read_text(encoding="ascii").strip()
        token = run(
            [pbxctl, "token", "create", "wheel-check", "--role", "admin"], cwd=cwd, env=env, log=log
        ).strip()
        api_port = str(free_port())
        serve_env = {
            **env,
            "PBXCTL_AMI_SECRET": secret,
            "PBXCTL_API_PORT": api_port,
            "PBXCTL_AGI_PORT": str(free_port()),
        }
        serve = Group([pbxctl, "serve"], cwd=cwd, log=work / "serve.log", env=serve_env)
        started.append(serve)
        ami = wait_for(
            "ready `pbxctl serve` (AMI connected and synchronised)",
            lambda: serve_ready(f"http://127.0.0.1:{api_port}", token),
            within=SERVE_TIMEOUT,
            alive=serve,
        )
        say(f"pbxctl serve is ready: AMI {ami}")
        for group in reversed(started):
            code = group.stop(signal.SIGTERM, grace=STOP_TIMEOUT)
            if code != 0:
                raise CheckFailed(f"`{group.command}` exited {code} on SIGTERM:\n{tail(group.log)}")
    finally:
        for group in reversed(started):
            with contextlib.suppress(CheckFailed):  # the first failure is the one to report
                group.stop(signal.SIGTERM, grace=STOP_TIMEOUT)


def check() -> None:
    with tempfile.TemporaryDirectory(prefix="pbx-wheel-check-") as work_name:
        work = Path(work_name)
        log = work / "check.log"
        source = work / "source"
        files = export_source(source)
        sdist, wheel = build(source, work / "dist", log)
        check_sdist(sdist, files)
        check_wheel(wheel, files)

        venv = work / "venv"
        python, pbxctl = venv / "bin" / "python", venv / "bin" / "pbxctl"
        run([shutil.which("python3") or sys.executable, "-m", "venv", venv], cwd=work, log=log)
        install = [python, "-m", "pip", "install", "--quiet", wheel]
        run(install, cwd=work, log=log, timeout=INSTALL_TIMEOUT)

        cwd = work / "elsewhere"  # neither the checkout nor anything holding a `controller`
        cwd.mkdir()
        env = program_environment(work)
        example = installed_example(python, venv, cwd, env, log)
        run([pbxctl, "db", "upgrade"], cwd=cwd, env=env, log=log)
        run([pbxctl, "config", "import", example], cwd=cwd, env=env, log=log)
        run([pbxctl, "dialplan", "render", "--out", work / "render"], cwd=cwd, env=env, log=log)
        check_rendered(work / "render")
        run_service(pbxctl, cwd, env, work, log)
        say("the installed wheel upgraded, imported, rendered and served")


if __name__ == "__main__":
    main(check)
