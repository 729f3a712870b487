"""``pbxctl sandbox``: build and run the throw-away Asterisk 22 used by tests and the demo."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType

import click

from controller.cli.context import CliContext, pass_cli
from controller.config import Settings
from controller.errors import SandboxError
from controller.sandbox import (
    AsteriskSandbox,
    BuildInfo,
    ensure_built,
    host_mirror,
    read_build_info,
    require_root,
    run_cli,
    running_pid,
)
from controller.sandbox.configs import AmiAccount
from controller.sandbox.layout import SandboxLayout
from controller.sandbox.mounts import mounts_under
from controller.secrets import ensure_secret

SECRET_NAME = "sandbox-ami-secret"  # noqa: S105 (the file name, not the secret)
EXIT_NOT_RUNNING = 3  # like `systemctl status`: scripts can tell "stopped" from "broken"


@click.group()
def sandbox() -> None:
    """Build and run a throw-away Asterisk 22 (Debian sid in a chroot; needs root).

    The chroot is cached (setting sandbox.root, default in the user's cache directory) and
    built once; later starts take well under a second.
    """


def _build(settings: Settings, *, force: bool = False) -> BuildInfo:
    mirror = settings.sandbox.mirror or host_mirror()
    return ensure_built(
        settings.sandbox_root,
        mirror,
        suite=settings.sandbox.suite,
        force=force,
        progress=click.echo,
    )


@sandbox.command("build")
@click.option("--rebuild", is_flag=True, help="Remove the cached chroot and build it again.")
@pass_cli
def sandbox_build(cli: CliContext, rebuild: bool) -> None:
    """Build the sandbox chroot (about a minute), or do nothing if it is already built.

    The Debian mirror is the one the host's apt sources use, unless sandbox.mirror is set.

    \b
    Examples:
      pbxctl sandbox build
      PBXCTL_SANDBOX_MIRROR=http://ftp.de.debian.org/debian pbxctl sandbox build --rebuild
    """
    info = _build(cli.settings, force=rebuild)
    click.echo(f"sandbox ready at {cli.settings.sandbox_root} (Debian {info.suite})")


class _Interrupted(Exception):
    pass


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    # A second Ctrl-C must not cut the clean stop short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _Interrupted(signal.Signals(signum).name)


def _read_config_dir(directory: Path) -> dict[str, str]:
    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        files[path.relative_to(directory).as_posix()] = path.read_text(encoding="utf-8")
    return files


def started_message(
    pid: int | None, ami: AmiAccount, booted_in: float, secret_path: Path, etc_dir: Path
) -> str:
    """What ``sandbox start`` prints once Asterisk runs. The AMI secret is named by its file
    only: a terminal's scrollback, a screen share or a CI log must not show it."""
    return (
        f"Asterisk running (pid {pid}, booted in {booted_in:.2f} s)\n"
        f"  AMI:    {ami.host}:{ami.port}\n"
        f"  user:   {ami.username}\n"
        f"  secret: in {secret_path} (readable by its owner only)\n"
        f"  config: {etc_dir}\n"
        "Press Ctrl-C to stop."
    )


@sandbox.command("start")
@click.option(
    "--config-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Asterisk config files (extensions.conf, pjsip.conf ...) to use instead of the "
    "stock ones. manager.conf and modules.conf are generated.",
)
@pass_cli
def sandbox_start(cli: CliContext, config_dir: Path | None) -> None:
    """Start the sandbox Asterisk in the foreground; Ctrl-C or SIGTERM stops it cleanly.

    Builds the chroot first if needed. AMI listens on 127.0.0.1 at the ami.port setting,
    for the user named by ami.username, with a generated secret kept in the data directory.

    \b
    Examples:
      pbxctl sandbox start
      pbxctl --data-dir ./var sandbox start --config-dir ./var/asterisk-etc
    """
    settings = cli.settings
    files = _read_config_dir(config_dir) if config_dir else {}
    _build(settings)
    secret = ensure_secret(settings.data_dir, SECRET_NAME)
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with AsteriskSandbox(settings.sandbox_root) as asterisk:
            started = time.monotonic()
            asterisk.start(files, settings.ami.username, secret.value, settings.ami.port)
            booted_in = time.monotonic() - started
            click.echo(
                started_message(
                    asterisk.pid, asterisk.ami, booted_in, secret.path, asterisk.etc_dir
                )
            )
            while asterisk.running:
                time.sleep(0.5)
            raise SandboxError(
                f"Asterisk exited on its own; see {asterisk.log_dir / 'messages.log'}"
            )
    except _Interrupted as stop:
        click.echo(f"{stop}: Asterisk stopped")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@sandbox.command("status")
@pass_cli
def sandbox_status(cli: CliContext) -> None:
    """Show whether the sandbox is built and running; exit 0 if running, 3 if not.

    \b
    Example:
      pbxctl sandbox status || pbxctl sandbox start
    """
    require_root("pbxctl sandbox status")
    root = cli.settings.sandbox_root
    info = read_build_info(SandboxLayout(root))
    click.echo(f"root:    {root}")
    if info is None:
        click.echo("built:   no (run: pbxctl sandbox build)")
    else:
        click.echo(f"built:   yes, Debian {info.suite} from {info.mirror}")
    pid = running_pid(root) if info else None
    if pid is None:
        click.echo("running: no")
    else:
        uptime = run_cli(root, "core show uptime").strip().splitlines()
        click.echo(f"running: yes, pid {pid}, {uptime[0] if uptime else ''}".rstrip(", "))
    mounts = mounts_under(root)
    if mounts:
        click.echo(f"mounts:  {', '.join(sorted(mounts))}")
    if pid is None:
        raise SystemExit(EXIT_NOT_RUNNING)


@sandbox.command("cli", context_settings={"ignore_unknown_options": True})
@click.argument("command", nargs=-1, required=True)
@pass_cli
def sandbox_cli(cli: CliContext, command: tuple[str, ...]) -> None:
    """Run an Asterisk CLI command in the running sandbox and print its output.

    Exits 1 when the sandbox is not running. Note that Asterisk answers an unknown
    command with "No such command" and still succeeds.

    \b
    Examples:
      pbxctl sandbox cli core show channels
      pbxctl sandbox cli "dialplan show test"
    """
    root = cli.settings.sandbox_root
    if running_pid(root) is None:
        raise SandboxError("the sandbox Asterisk is not running (start it: pbxctl sandbox start)")
    click.echo(run_cli(root, " ".join(command)), nl=False)
