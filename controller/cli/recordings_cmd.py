"""``pbxctl recordings``: delete the recording files whose retention date has passed."""

from __future__ import annotations

import datetime as dt

import click
from sqlalchemy import select

from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory, transaction
from controller.db.migrate import require_current_schema
from controller.db.models import Recording
from controller.history.retention import purge_expired


@click.group()
def recordings() -> None:
    """Recording files: retention."""


@recordings.command("purge")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True)
@pass_cli
def recordings_purge(cli: CliContext, dry_run: bool, limit: int) -> None:
    """Delete the files whose retention date (recording policy) has passed; each deletion is
    in the audit log. `pbxctl serve` does this every hour by itself.

    \b
    Example:
      pbxctl recordings purge --dry-run
    """
    require_current_schema(cli.engine)
    today = dt.date.today()
    base = cli.settings.asterisk.recordings_dir
    with transaction(session_factory(cli.engine)) as session:
        if dry_run:
            due = session.scalars(
                select(Recording.path)
                .where(Recording.deleted_at.is_(None), Recording.delete_after < today)
                .limit(limit)
            ).all()
            for path in due:
                click.echo(f"would delete {path}")
            click.echo(f"{len(due)} recording(s) past their retention date")
            return
        deleted = purge_expired(session, base, today, limit)
    for item in deleted:
        click.echo(f"deleted {item.path}" + ("" if item.existed else " (file already gone)"))
    click.echo(f"{len(deleted)} recording(s) deleted")
