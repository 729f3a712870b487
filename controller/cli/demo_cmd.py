"""``pbxctl demo`` (a running call center in one command) and ``pbxctl loadtest``."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import sys
import time
from pathlib import Path

import click

from controller.ami.filters import add_filters
from controller.ami.session import AmiSession
from controller.cli.context import CliContext, pass_cli
from controller.demo.site import DEMO_AGENT, DEMO_DID, DemoSite
from controller.dialplan.service import ami_credentials
from controller.loadtest.calls import CallBook, Summary
from controller.loadtest.controller_events import events_received, settled_count
from controller.loadtest.cpu import CpuMeter
from controller.loadtest.report import render, write_csv
from controller.loadtest.runner import MAX_CALLS, MAX_CONCURRENCY, MAX_SECONDS, LoadPlan, LoadRunner

DEMO_AGENTS = ["8001", "8002", "8003", "8004", "8005", "8006"]
# What the simulated callers press: sales, or the service menu then technical support.
DEMO_CHOICES = ["1", "1", "2w1"]


async def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _demo(site: DemoSite, interval: float) -> None:
    stop = await _stop_on_signals()
    await site.start()
    await site.login_agents(DEMO_AGENTS)
    click.echo(
        f"\nThe call center is running.\n"
        f"  API:        {site.api_url}  (OpenAPI: {site.api_url}/api/v1/openapi.json)\n"
        f"  web:        {site.api_url}/  (sign in as {site.login[0]}, password {site.login[1]})\n"
        f"  wallboard:  {site.api_url}/wallboard   (signed in as above)\n"
        f"  agent:      {site.api_url}/agent   (sign in as {site.agent_login[0]}, password "
        f"{site.agent_login[1]}: agent {DEMO_AGENT}'s calls ring there)\n"
        f"  supervisor: {site.api_url}/supervisor\n"
        f"  token:      {site.token}\n"
        f"  try:        curl -H 'Authorization: Bearer {site.token}' {site.api_url}/api/v1/queues\n"
        f"  live view:  pbxctl status   (with PBXCTL_AMI_PORT={site.settings.ami.port})\n"
        f"  SIP phones: register to 127.0.0.1 ({site.settings.asterisk.sip_bind}); "
        f"see `pbxctl config export --include-secrets`\n"
        f"  log:        {site.log_path}\n"
        f"Agents {', '.join(DEMO_AGENTS)} are logged in; a simulated caller dials {DEMO_DID} "
        f"about every {interval:.0f} s. Ctrl-C stops everything.\n"
    )
    credentials = ami_credentials(site.settings)
    number = 0
    async with await AmiSession.open(credentials, events=False) as ami:
        while not stop.is_set():
            number += 1
            keys = random.choice(DEMO_CHOICES)  # noqa: S311 - a demo, not cryptography
            caller = f"1391234{number % 10000:04d}"
            await ami.action(
                "Originate",
                Channel=f"Local/{keys}@pbx-demo-caller",
                Context="pbx-from-trunk",
                Exten=DEMO_DID,
                Priority=1,
                Async="true",
                CallerID=f"{caller} <{caller}>",
                Variable=["__PBX_DEMO_WAIT=120"],
            )
            click.echo(
                f"{time.strftime('%H:%M:%S')} caller {caller} dials {DEMO_DID}, presses {keys}"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)


@click.command()
@click.option("--interval", default=8.0, show_default=True, help="Seconds between callers.")
@click.option("--talk", default=15, show_default=True, help="Seconds agents talk per call.")
@pass_cli
def demo(cli: CliContext, interval: float, talk: int) -> None:
    """Run a complete call center on a sandbox Asterisk: the example company, the controller
    (FastAGI, AMI, web API), six logged-in agents that answer and talk, and a gentle stream
    of simulated callers through the IVR and the queues. Ctrl-C stops everything it started.

    Needs root (the sandbox is a chroot); the first run builds it (about a minute).

    \b
    Example:
      pbxctl --data-dir ./var/demo demo
    """
    site = DemoSite(cli.settings, talk_seconds=talk, progress=click.echo)
    try:
        asyncio.run(_demo(site, interval))
    finally:
        click.echo("stopping the controller and Asterisk")
        site.stop()


class _Progress:
    def __init__(self, total: int) -> None:
        self.total = total
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, book: CallBook) -> None:
        now = time.monotonic()
        if not self.tty and now - self.last < 5:
            return
        self.last = now
        done = book.finished()
        width = 30
        filled = int(width * done / self.total)
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} calls ended"
        click.echo(f"\r{line}" if self.tty else line, err=True, nl=not self.tty)


async def _loadtest(
    site: DemoSite, plan: LoadPlan, agents: int
) -> tuple[CallBook, float, dict[str, float | None], int | None]:
    await site.start()
    # Extra Local-channel agents in the queue the callers choose, so the load is answered.
    credentials = ami_credentials(site.settings)
    async with await AmiSession.open(credentials) as ami:
        runner = LoadRunner(ami, plan, run_id=f"load{int(time.time())}")
        await add_filters(ami, runner.event_filters())
        for n in range(agents):
            await ami.action(
                "QueueAdd",
                Queue="sales",
                Interface=f"Local/{9000 + n}@pbx-demo-agent/n",
                MemberName=f"load-{9000 + n}",
                Penalty=0,
            )
        ami.on_event = runner.on_event
        assert site.controller is not None
        assert site.sandbox.pid is not None
        meter = CpuMeter({"Asterisk": site.sandbox.pid, "controller": site.controller.pid})
        events_before = await settled_count(site.api_url, site.token)
        meter.start()
        started = time.monotonic()
        book = await runner.run(_Progress(plan.calls))
        elapsed = time.monotonic() - started
        cpu = meter.stop()
        events_after = await events_received(site.api_url, site.token)
    click.echo("", err=True)
    events = None
    if events_before is not None and events_after is not None:
        events = events_after - events_before
    return book, elapsed, cpu, events


@click.command()
@click.option("--calls", default=100, show_default=True, help=f"Calls to place (1-{MAX_CALLS}).")
@click.option(
    "--concurrency", default=20, show_default=True, help=f"Calls at once (1-{MAX_CONCURRENCY})."
)
@click.option(
    "--duration",
    default=300.0,
    show_default=True,
    help=f"Stop waiting for calls after this many seconds (at most {MAX_SECONDS}).",
)
@click.option("--talk", default=5, show_default=True, help="Seconds agents talk per call.")
@click.option("--agents", type=int, help="Extra simulated agents (default: the concurrency).")
@click.option("--keys", default="1", show_default=True, help="What callers press in the IVR.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write one line per call (times in seconds from its start) to this file.",
)
@pass_cli
def loadtest(
    cli: CliContext,
    calls: int,
    concurrency: int,
    duration: float,
    talk: int,
    agents: int | None,
    keys: str,
    csv_path: Path | None,
) -> None:
    """Pressure-test the real call flow: simulated callers dial the example company's
    24-hour line, go through the IVR (pressing KEYS) into the queue, and are answered by
    simulated agents who talk for TALK seconds. Prints outcomes, setup times and the CPU
    used by Asterisk and by the controller; exits 1 when any call failed.

    Runs on its own sandbox Asterisk and controller, on 127.0.0.1 only, and stops them.

    \b
    Example:
      pbxctl --data-dir ./pbx-load loadtest --calls 200 --concurrency 100
    """
    plan = LoadPlan(
        calls=calls, concurrency=concurrency, did=DEMO_DID, keys=keys, max_seconds=duration
    )
    try:
        plan.check()
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    site = DemoSite(
        cli.settings, talk_seconds=talk, progress=lambda line: click.echo(line, err=True)
    )
    try:
        book, elapsed, cpu, events = asyncio.run(_loadtest(site, plan, agents or concurrency))
    finally:
        site.stop()
    summary = Summary.of(book)
    if csv_path is not None:
        write_csv(book, csv_path)
    click.echo(render(summary, elapsed, cpu, concurrency, events))
    if summary.failed:
        raise SystemExit(1)
