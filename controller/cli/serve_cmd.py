"""``pbxctl serve`` (everything, until SIGTERM) and ``pbxctl status`` (live queues and seats)."""

from __future__ import annotations

import asyncio
import json
import time

import click

from controller.ami.live import read_snapshot
from controller.ami.session import AmiSession
from controller.ami.tracker import QueueView, SeatView, Tracker, to_json
from controller.cli.context import CliContext, pass_cli
from controller.dialplan.service import ami_credentials
from controller.service import serve as run_service


@click.command()
@click.option("--api-host", help="Listen address of the HTTP API (setting api.host).")
@click.option("--api-port", type=int, help="Port of the HTTP API (setting api.port).")
@pass_cli
def serve(cli: CliContext, api_host: str | None, api_port: int | None) -> None:
    """Run the controller: AMI tracker, call history, HTTP/websocket API and FastAGI.

    Runs in the foreground until SIGTERM or Ctrl-C, then stops cleanly (the history
    buffered in memory is written first). Logs go to stderr, one event per line.

    \b
    Examples:
      pbxctl serve
      pbxctl --log-level debug serve --api-port 8480
    """
    settings = cli.settings
    if api_host or api_port:
        api = settings.api.model_copy(
            update={k: v for k, v in {"host": api_host, "port": api_port}.items() if v}
        )
        settings = settings.model_copy(update={"api": api})
    asyncio.run(run_service(settings))


async def _snapshot(cli: CliContext) -> tuple[list[QueueView], list[SeatView], dict[str, int]]:
    tracker = Tracker(cli.settings.server_id)
    async with await AmiSession.open(ami_credentials(cli.settings)) as ami:
        at = time.time()
        tracker.resync(await read_snapshot(ami, at))
    return tracker.queues(at), tracker.seats(at), tracker.counts()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@pass_cli
def status(cli: CliContext, as_json: bool) -> None:
    """Print the live queues and seats, read from Asterisk over AMI now.

    Exits 1 when Asterisk cannot be reached.

    \b
    Examples:
      pbxctl status
      pbxctl status --json | jq '.queues[] | {name, callers: (.callers | length)}'
    """
    queues, seats, counts = asyncio.run(_snapshot(cli))
    if as_json:
        click.echo(json.dumps({"queues": to_json(queues), "agents": to_json(seats),
                               "counts": counts}, ensure_ascii=False, indent=2))  # fmt: skip
        return
    click.echo(f"{counts['channels']} channels in {counts['calls']} calls")
    click.echo("")
    click.echo(f"{'QUEUE':<16} {'WAITING':>7} {'LONGEST':>8} {'MEMBERS':>7} {'AVAIL':>5}")
    for q in queues:
        click.echo(f"{q.name:<16} {len(q.callers):>7} {q.longest_wait_s:>7.0f}s "
                   f"{q.logged_in:>7} {q.available:>5}")  # fmt: skip
    click.echo("")
    click.echo(f"{'AGENT':<8} {'STATE':<10} {'REASON':<10} {'QUEUES':<24} DEVICE")
    for s in seats:
        click.echo(f"{s.agent:<8} {s.state:<10} {s.reason:<10} {','.join(s.queues):<24} {s.device}")
