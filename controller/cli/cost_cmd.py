"""``pbxctl cost``: rate the outbound calls of a period again, after tariffs changed."""

from __future__ import annotations

import datetime as dt

import click

from controller.access import audit
from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory, transaction
from controller.db.migrate import require_current_schema
from controller.errors import ControllerError
from controller.rating.store import load_plan, rerate


@click.group()
def cost() -> None:
    """Call cost: outbound calls rated from the trunk tariffs (see `pbxctl report cost`)."""


@cost.command("rerate")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First local day (YYYY-MM-DD) of the calls to rate again.")  # fmt: skip
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last local day, included.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Only say what would change.")
@pass_cli
def cost_rerate(cli: CliContext, first: dt.datetime, last: dt.datetime, dry_run: bool) -> None:
    """Rate the outbound calls of the days FROM..TO again with today's trunk tariffs.

    Each charge keeps what happened (trunk, route, number, answered duration); its money is
    computed again. Answered outgoing trunk legs without a charge (calls stored before an
    upgrade brought rating, or whose rating failed) are rated too. One transaction; the
    re-rate is in the audit log.

    \b
    Examples:
      pbxctl cost rerate --from 2026-06-01 --to 2026-06-30 --dry-run
      pbxctl cost rerate --from 2026-06-01 --to 2026-06-30
    """
    if last < first:
        raise ControllerError(f"--to ({last:%Y-%m-%d}) is before --from ({first:%Y-%m-%d})")
    require_current_schema(cli.engine)
    with transaction(session_factory(cli.engine)) as session:
        summary = rerate(session, first.date(), last.date(), load_plan(session), dry_run=dry_run)
        if not dry_run:
            audit.record(session, audit.cli_actor(), audit.Entry(
                "cost.rerate", "call_charge", f"{first:%Y-%m-%d}..{last:%Y-%m-%d}",
                detail={"repriced": summary.repriced, "changed": summary.changed,
                        "added": summary.added},
            ))  # fmt: skip
    for line in summary.lines():
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing was written")
