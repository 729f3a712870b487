"""``pbxctl db``: create and upgrade the database schema."""

from __future__ import annotations

import click

from controller.access.store import sync_builtin_roles
from controller.cli.context import CliContext, pass_cli
from controller.db.engine import describe, session_factory, transaction
from controller.db.migrate import schema_state, upgrade


@click.group()
def db() -> None:
    """Create, upgrade and inspect the database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target migration.")
@pass_cli
def db_upgrade(cli: CliContext, revision: str) -> None:
    """Create the schema, or upgrade it to the newest version. Safe to run again.

    \b
    Examples:
      pbxctl db upgrade
      PBXCTL_DATABASE_URL=postgresql://pbx@127.0.0.1/pbx pbxctl db upgrade
    """
    before = schema_state(cli.engine).current
    state = upgrade(cli.engine, revision)
    if state.up_to_date:
        with transaction(session_factory(cli.engine)) as session:
            sync_builtin_roles(session)  # the shipped roles as this version defines them
    where = describe(cli.engine)
    if before == state.current:
        click.echo(f"{where}: schema already at {state.current}")
    else:
        click.echo(f"{where}: schema upgraded from {before or 'empty'} to {state.current}")


@db.command("status")
@pass_cli
def db_status(cli: CliContext) -> None:
    """Show the schema version; exit 1 when an upgrade is needed.

    \b
    Example:
      pbxctl db status || pbxctl db upgrade
    """
    state = schema_state(cli.engine)
    where = describe(cli.engine)
    if state.up_to_date:
        click.echo(f"{where}: schema {state.current} (up to date)")
        return
    click.echo(f"{where}: schema {state.current or 'empty'}, newest is {state.head}")
    raise SystemExit(1)
