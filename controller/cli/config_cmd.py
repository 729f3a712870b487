"""``pbxctl config``: the PBX configuration as one YAML file (validate, import, export)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from controller.access import audit
from controller.cli.context import CliContext, pass_cli
from controller.db import models
from controller.db.engine import session_factory
from controller.db.migrate import require_current_schema
from controller.filemodes import write_private_file
from controller.pbxconfig.diff import diff_configs
from controller.pbxconfig.dump import dump_config
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import read_config_file
from controller.pbxconfig.summary import summarize

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def config() -> None:
    """The PBX configuration (extensions, trunks, IVR, queues, agents, customers ...)
    as one YAML file. The format is documented in docs/configuration.md."""


@config.command("validate")
@click.argument("file", type=FILE)
def config_validate(file: Path) -> None:
    """Check FILE without touching the database; exit 1 listing every problem.

    \b
    Example:
      pbxctl config validate examples/company.yaml
    """
    validated = read_config_file(file)
    count = sum(
        len(getattr(validated.config, name))
        for name in type(validated.config).model_fields
        if isinstance(getattr(validated.config, name), list)
    )
    click.echo(f"{file}: valid ({count} objects)")


@config.command("import")
@click.argument("file", type=FILE)
@click.option("--dry-run", is_flag=True, help="Show what would change, change nothing.")
@pass_cli
def config_import(cli: CliContext, file: Path, dry_run: bool) -> None:
    """Make the stored configuration exactly FILE: all of it or nothing.

    Objects missing from FILE are removed. Secrets FILE leaves out are kept, or generated
    for new phones and voicemail boxes.

    \b
    Examples:
      pbxctl config import examples/company.yaml
      pbxctl config import --dry-run company.yaml
    """
    validated = read_config_file(file)
    require_current_schema(cli.engine)
    factory = session_factory(cli.engine)
    with factory() as session, session.begin():
        report = import_config(session, validated)
        if dry_run:
            session.rollback()
        elif not report.diff.empty:
            # In the import's own transaction: the log says so exactly when it happened.
            entry = audit.Entry("config.import", "config", file.name, detail=report.diff.counts())
            audit.record(session, audit.cli_actor(), entry)
    click.echo(report.render())
    if dry_run:
        click.echo("dry run: nothing was changed")


@config.command("diff")
@click.argument("file", type=FILE)
@pass_cli
def config_diff(cli: CliContext, file: Path) -> None:
    """Show what importing FILE would change; exit 0 if nothing, 1 if something.

    \b
    Example:
      pbxctl config diff company.yaml && echo "already applied"
    """
    validated = read_config_file(file)
    require_current_schema(cli.engine)
    with session_factory(cli.engine)() as session:
        old = export_config(session) if session.get(models.Site, 1) else None
    diff = diff_configs(old, validated.config)
    click.echo(diff.render())
    if not diff.empty:
        raise SystemExit(1)


@config.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (mode 0600) instead of standard output.",
)
@click.option(
    "--include-secrets",
    is_flag=True,
    help="Also write the phone passwords and voicemail PINs the controller generated.",
)
@pass_cli
def config_export(cli: CliContext, output: Path | None, include_secrets: bool) -> None:
    """Write the stored configuration as YAML; importing it changes nothing.

    \b
    Examples:
      pbxctl config export > company.yaml
      pbxctl config export --include-secrets -o backup.yaml
    """
    require_current_schema(cli.engine)
    with session_factory(cli.engine)() as session:
        text = dump_config(export_config(session, include_secrets=include_secrets))
    if output is None:
        sys.stdout.write(text)
        return
    # The file holds trunk passwords at least: never readable by others, not even briefly.
    write_private_file(output, text.encode("utf-8"))
    click.echo(f"wrote {output}", err=True)


@config.command("summary")
@pass_cli
def config_summary(cli: CliContext) -> None:
    """Summarise the stored configuration and draw each number's call flow.

    \b
    Example:
      pbxctl config summary
    """
    require_current_schema(cli.engine)
    with session_factory(cli.engine)() as session:
        click.echo(summarize(export_config(session)))
