"""The ``pbxctl`` command line.

Every sub-command lives in its own module and is added to the group explicitly in
:func:`build_cli` (no registration by import side effect). User errors are
:class:`controller.errors.ControllerError`; they are printed without a traceback and
exit with the error's ``exit_code`` (2 for bad settings, 1 otherwise).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from controller import __version__
from controller.cli.context import CliContext
from controller.errors import ControllerError


class _ControllerErrorAsUsage(click.ClickException):
    def __init__(self, err: ControllerError) -> None:
        super().__init__(str(err))
        self.exit_code = err.exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class ControllerGroup(click.Group):
    """A click group that turns ControllerError into a clean message and exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ControllerError as err:
            raise _ControllerErrorAsUsage(err) from err


def build_cli() -> click.Group:
    from controller.cli import (
        access_cmd,
        agi_cmd,
        backup_cmd,
        config_cmd,
        cost_cmd,
        db_cmd,
        demo_cmd,
        dialplan_cmd,
        followup_cmd,
        kiosk_cmd,
        prompts_cmd,
        recordings_cmd,
        report_cmd,
        sandbox_cmd,
        serve_cmd,
        webhook_cmd,
    )

    @click.group(
        cls=ControllerGroup,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )
    @click.version_option(__version__, prog_name="pbxctl")
    @click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Settings file (TOML). Default: $PBXCTL_CONFIG or "
        "/etc/pbx-controller/controller.toml.",
    )
    @click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Data directory (SQLite database, generated secrets). Default: $PBXCTL_DATA_DIR "
        "or /var/lib/pbx-controller.",
    )
    @click.option(
        "--database-url",
        help="SQLAlchemy database URL. Default: $PBXCTL_DATABASE_URL or SQLite in the data dir.",
    )
    @click.option(
        "--log-level",
        type=click.Choice(["debug", "info", "warning", "error"]),
        help="Log verbosity (default info).",
    )
    @click.pass_context
    def cli(
        ctx: click.Context,
        config_file: Path | None,
        data_dir: Path | None,
        database_url: str | None,
        log_level: str | None,
    ) -> None:
        """Control the PBX: database, configuration, Asterisk sandbox.

        \b
        Examples:
          pbxctl db upgrade
          pbxctl config import examples/company.yaml
          pbxctl --data-dir ./var config summary
        """
        overrides = {"data_dir": data_dir, "database_url": database_url, "log_level": log_level}
        ctx.obj = CliContext(config_file=config_file, overrides=overrides)

    cli.add_command(db_cmd.db)
    cli.add_command(config_cmd.config)
    cli.add_command(dialplan_cmd.dialplan)
    cli.add_command(sandbox_cmd.sandbox)
    cli.add_command(serve_cmd.serve)
    cli.add_command(serve_cmd.status)
    cli.add_command(access_cmd.user)
    cli.add_command(access_cmd.role)
    cli.add_command(access_cmd.token)
    cli.add_command(access_cmd.audit_cmd)
    cli.add_command(prompts_cmd.prompts_group)
    cli.add_command(recordings_cmd.recordings)
    cli.add_command(report_cmd.report)
    cli.add_command(report_cmd.report_rollup)
    cli.add_command(report_cmd.report_send)
    cli.add_command(agi_cmd.agi)
    cli.add_command(demo_cmd.demo)
    cli.add_command(demo_cmd.loadtest)
    cli.add_command(backup_cmd.backup)
    cli.add_command(backup_cmd.restore)
    cli.add_command(kiosk_cmd.kiosk_group, name="kiosk")
    cli.add_command(cost_cmd.cost)
    cli.add_command(followup_cmd.followup)
    cli.add_command(webhook_cmd.webhook)
    return cli


def main(argv: list[str] | None = None) -> None:
    # Libraries (alembic, aiohttp ...) log at WARNING; our own loggers follow --log-level.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
    build_cli()(args=argv, prog_name="pbxctl")
