"""``pbxctl agi``: the FastAGI routing service, its classic AGI fallback, a dry-run decision."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from controller.cli.context import CliContext, pass_cli
from controller.db.migrate import require_current_schema

if TYPE_CHECKING:
    from controller.agi.service import AgiService


@click.group()
def agi() -> None:
    """FastAGI routing: Asterisk asks the controller where each call goes."""


@agi.command("serve")
@click.option("--host", help="Listen address (default: setting agi.host, 127.0.0.1).")
@click.option("--port", type=int, help="Listen port (default: setting agi.port, 4573).")
@pass_cli
def agi_serve(cli: CliContext, host: str | None, port: int | None) -> None:
    """Run the FastAGI server in the foreground until Ctrl-C or SIGTERM.

    It reads the routing rules from the database (reloading them when the configuration
    changes) and follows queues and agents over AMI. It starts even when the database or
    AMI are down: calls then take the dialplan's fallbacks until they are back.

    \b
    Examples:
      pbxctl agi serve
      pbxctl --log-level debug agi serve --port 4574
    """
    from controller.agi.service import AgiService

    settings = cli.settings
    if host is not None or port is not None:
        agi_settings = settings.agi.model_copy(
            update={k: v for k, v in {"host": host, "port": port}.items() if v is not None}
        )
        settings = settings.model_copy(update={"agi": agi_settings})
    service = AgiService.from_settings(settings, cli.engine)
    asyncio.run(_serve_until_signal(service))


async def _serve_until_signal(service: AgiService) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await service.start()
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {service.host}:{service.port}: {exc.strerror}"
        ) from None
    click.echo(f"FastAGI listening on {service.host}:{service.server.port}", err=True)
    try:
        await stop.wait()
    finally:
        await service.stop()
        with contextlib.suppress(NotImplementedError):
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


@agi.command("install-classic")
@click.option(
    "--agi-bin",
    type=click.Path(file_okay=False, path_type=Path),
    default="/usr/share/asterisk/agi-bin",
    show_default=True,
    help="Asterisk's AGI script directory (astagidir in asterisk.conf).",
)
@click.option(
    "--python",
    "python",
    default=sys.executable,
    show_default="this pbxctl's Python",
    help="Interpreter for the script: one that has the controller installed.",
)
def agi_install_classic(agi_bin: Path, python: str) -> None:
    """Install pbx-agi.py, the classic AGI script Asterisk runs when the FastAGI server is
    unreachable (it decides with the same code, reading the database directly).

    \b
    Example:
      pbxctl agi install-classic --agi-bin /usr/share/asterisk/agi-bin
    """
    from controller.agi.install import install_classic

    if not Path(python).is_file():
        raise click.ClickException(f"--python {python}: no such interpreter")
    try:
        target = install_classic(agi_bin, python)
    except OSError as exc:
        raise click.ClickException(f"cannot write into {agi_bin}: {exc.strerror}") from None
    click.echo(f"installed {target} (runs with {python})")


@agi.command("decide")
@click.argument("route", type=click.Choice(["inbound", "caller-lookup", "outbound"]))
@click.argument("args", nargs=-1)
@click.option("--caller", default="", help="Caller ID number of the call.")
@pass_cli
def agi_decide(cli: CliContext, route: str, args: tuple[str, ...], caller: str) -> None:
    """Show the variables a route would set, from the stored rules, without live state
    (so no sticky ring and no callback offer) and without Asterisk.

    \b
    Examples:
      pbxctl agi decide inbound main-number --caller 13800138000
      pbxctl agi decide outbound domestic 13800138000
    """
    from controller.agi.routes import caller_lookup, inbound, outbound
    from controller.agi.rules_cache import load_rules
    from controller.agi.services import AgiServices, FixedRules

    require_current_schema(cli.engine)
    services = AgiServices(FixedRules(load_rules(cli.engine)))
    try:
        if route == "inbound":
            decision, rules = inbound.decide(services, args[0] if args else "", caller)
            pairs = inbound.inbound_variables(decision, rules)
        elif route == "caller-lookup":
            pairs = caller_lookup.lookup_variables(services, caller)
        else:
            if len(args) != 2:
                raise click.UsageError("outbound takes: ROUTE NUMBER")
            pairs = outbound.outbound_variables(services, args[0], args[1])
    except LookupError as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None
    for name, value in pairs:
        click.echo(f"{name}={value}")
