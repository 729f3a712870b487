"""``pbxctl backup`` and ``pbxctl restore``: the whole controller state in one file."""

from __future__ import annotations

from pathlib import Path

import click

from controller.backup.dump import BackupSources, create_backup
from controller.backup.progress import Progress, SilentProgress, TextProgress
from controller.backup.restore import RestoreTargets, restore_backup, verify_backup
from controller.cli.context import CliContext, pass_cli


def _to_stderr(message: str) -> None:
    click.echo(message, err=True)


def _progress(quiet: bool) -> Progress:
    return SilentProgress(warn_to=_to_stderr) if quiet else TextProgress(_to_stderr)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


QUIET = click.option("-q", "--quiet", is_flag=True, help="No progress on stderr (warnings stay).")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--with-recordings",
    is_flag=True,
    help="Also the recording files the call history names (from asterisk.recordings_dir).",
)
@QUIET
@pass_cli
def backup(cli: CliContext, file: Path, with_recordings: bool, quiet: bool) -> None:
    """Back up the database, the generated secrets and optionally the recordings to FILE.

    All tables are read in one consistent snapshot, so it is safe while `pbxctl serve`
    runs. FILE (a ZIP archive, mode 0600: it holds secrets and personal data) appears only
    when complete; an existing FILE is replaced. Restore it with `pbxctl restore`, on this
    or another machine and database engine. See docs/backup.md.

    \b
    Examples:
      pbxctl backup backups/pbx-$(date +%F).zip
      pbxctl backup --with-recordings --quiet backups/full.zip
    """
    settings = cli.settings
    sources = BackupSources(
        data_dir=settings.data_dir,
        recordings_dir=settings.asterisk.recordings_dir if with_recordings else None,
        server_id=settings.server_id,
    )
    summary = create_backup(cli.engine, file, sources, _progress(quiet))
    manifest = summary.manifest
    click.echo(
        f"wrote {file} ({_megabytes(summary.size)}): {len(manifest.tables)} tables, "
        f"{manifest.total_rows:,} rows, {len(manifest.files)} files, "
        f"schema {manifest.schema_revision}"
    )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace the contents of a database that is not empty, and secret or recording "
    "files whose content differs.",
)
@click.option("--check", is_flag=True, help="Only verify FILE completely; change nothing.")
@QUIET
@pass_cli
def restore(cli: CliContext, file: Path, force: bool, check: bool, quiet: bool) -> None:
    """Restore a backup made by `pbxctl backup` into this machine's database and files.

    The database must be empty (no tables, or tables without rows) unless --force. The
    schema is created with the migrations, at the backup's revision and then upgraded, and
    all rows are inserted in one transaction: on any error nothing is changed. Stop
    `pbxctl serve` first; afterwards run `pbxctl dialplan setup` and `pbxctl dialplan apply`.

    \b
    Examples:
      pbxctl restore --check backups/pbx-2025-06-01.zip
      pbxctl --database-url postgresql://pbx@127.0.0.1/pbx restore backups/pbx-2025-06-01.zip
    """
    progress = _progress(quiet)
    if check:
        manifest = verify_backup(file, progress)
        click.echo(
            f"{file}: complete and intact, taken {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC "
            f"on {manifest.source_engine} (server_id {manifest.server_id}): "
            f"{manifest.total_rows:,} rows, {len(manifest.files)} files, "
            f"schema {manifest.schema_revision}"
        )
        return
    settings = cli.settings
    targets = RestoreTargets(
        database_url=settings.effective_database_url,
        data_dir=settings.data_dir,
        recordings_dir=settings.asterisk.recordings_dir,
        server_id=settings.server_id,
    )
    summary = restore_backup(file, targets, force=force, progress=progress)
    manifest = summary.manifest
    upgraded = (
        f", upgraded from {manifest.schema_revision} to {summary.head}"
        if summary.plan.upgrade_after
        else ""
    )
    click.echo(
        f"restored {file} into {summary.database}: {manifest.total_rows:,} rows in "
        f"{len(manifest.tables)} tables{upgraded}; {summary.files_written} files written"
    )
    click.echo("next: pbxctl dialplan setup && pbxctl dialplan apply", err=True)
