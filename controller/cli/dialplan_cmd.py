"""``pbxctl dialplan``: render Asterisk's configuration from the database and apply it."""

from __future__ import annotations

import asyncio
import difflib
import sys
from pathlib import Path

import click

from controller.access import audit
from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory
from controller.dialplan import phones, service, setup
from controller.dialplan.apply import ApplyReport, Outcome, changed_files
from controller.dialplan.lint import lint
from controller.filemodes import make_private_dirs, write_private_file


@click.group()
def dialplan() -> None:
    """Generate Asterisk's configuration (dialplan, PJSIP, queues, music on hold, voicemail)
    from the stored configuration, check it and apply it."""


@dialplan.command("render")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the files into this directory instead of printing them.",
)
@pass_cli
def dialplan_render(cli: CliContext, out: Path | None) -> None:
    """Render every generated file; needs no Asterisk.

    \b
    Examples:
      pbxctl dialplan render --out ./pbx-files
      pbxctl dialplan render | less
    """
    files = service.render_from_database(cli.settings, cli.engine)
    if out is None:
        for name, text in files.items():
            sys.stdout.write(f";;;; ==> {name} <==\n{text}")
        return
    # pjsip.conf and voicemail.conf hold every phone's password and PIN: files 0600, and a
    # directory made here 0700, whatever the umask (apply writes Asterisk's copies 0640).
    make_private_dirs(out)
    for name, text in files.items():
        write_private_file(out / name, text.encode("utf-8"))
    click.echo(f"wrote {len(files)} files to {out} (mode 0600)")


@dialplan.command("diff")
@pass_cli
def dialplan_diff(cli: CliContext) -> None:
    """Show what `apply` would change; exit 0 if nothing, 1 if something.

    \b
    Example:
      pbxctl dialplan diff && echo "Asterisk is up to date"
    """
    directory = service.generated_dir(cli.settings)
    # pjsip.conf as Asterisk gets it (without the phones), and the phone rows that would change.
    prepared = phones.prepare(service.render_from_database(cli.settings, cli.engine), directory)
    files = prepared.files
    changed = changed_files(files, directory)
    for name in changed:
        old_path = directory / name
        old = (
            old_path.read_text(encoding="utf-8").splitlines(keepends=True)
            if old_path.exists()
            else []
        )
        sys.stdout.writelines(
            difflib.unified_diff(
                old, files[name].splitlines(keepends=True), f"a/{name}", f"b/{name}"
            )
        )
    rows = phones.describe(prepared.sync) if prepared.sync is not None else []
    for line in rows:
        click.echo(line)
    if prepared.sync is not None and prepared.sync.changed and not rows:
        rows = ["phone templates"]  # only the templates' digest (no row comes out different)
    if changed or rows:
        what = [f"{len(changed)} file(s) would change: {', '.join(changed)}"] if changed else []
        if rows:
            what.append(prepared.sync.summary() if prepared.sync else phones.DB_FILE)
        click.echo("; ".join(what), err=True)
        raise SystemExit(1)
    click.echo("nothing would change", err=True)


@dialplan.command("lint")
@click.option("--no-asterisklint", is_flag=True, help="Only the controller's own checks.")
@pass_cli
def dialplan_lint(cli: CliContext, no_asterisklint: bool) -> None:
    """Check the generated files (asterisklint and our own checks); exit 1 on an error.

    \b
    Example:
      pbxctl dialplan lint
    """
    files = service.render_from_database(cli.settings, cli.engine)
    issues = lint(files, use_asterisklint=not no_asterisklint)
    for issue in issues:
        click.echo(str(issue))
    errors = sum(1 for i in issues if i.error)
    click.echo(f"{errors} error(s), {len(issues) - errors} warning(s)")
    if errors:
        raise SystemExit(1)


@dialplan.command("apply")
@click.option("--no-asterisklint", is_flag=True, help="Skip asterisklint (our checks still run).")
@click.option("-v", "--verbose", is_flag=True, help="Also show how long each phase took.")
@pass_cli
def dialplan_apply(cli: CliContext, no_asterisklint: bool, verbose: bool) -> None:
    """Lint, write the changed files atomically, reload only the Asterisk modules they
    belong to, and confirm Asterisk loaded them; restore the previous files if not.

    \b
    Exit codes: 0 applied (or nothing to do), 1 refused before touching Asterisk,
    3 Asterisk rejected the new files and runs the previous ones again,
    4 Asterisk rejected them and restoring the previous ones failed too.
    \b
    Example:
      pbxctl config import company.yaml && pbxctl dialplan apply
    """
    applied = asyncio.run(
        service.apply_from_database(cli.settings, cli.engine, use_asterisklint=not no_asterisklint)
    )
    _audit_apply(cli, applied.report)
    for issue in applied.lint:
        if not issue.error:
            click.echo(str(issue), err=True)
    click.echo(applied.report.render())
    if verbose:
        if applied.seconds:
            rendered = f"everything ({applied.reason})" if applied.full else "what changed"
            click.echo(f"rendered: {rendered}")
        for phase, seconds in applied.seconds.items():
            click.echo(f"{phase}: {seconds:.3f} s")
    if applied.report.outcome is not Outcome.APPLIED:
        raise SystemExit(int(applied.report.outcome))


def _audit_apply(cli: CliContext, report: ApplyReport) -> None:
    """Log every apply that wrote files or was refused; "already current" is not an event."""
    if report.outcome is Outcome.APPLIED and not report.changed:
        return
    entry = audit.Entry(
        "dialplan.apply",
        "dialplan",
        success=report.outcome is Outcome.APPLIED,
        detail={
            "outcome": report.outcome.name.lower(),
            "changed": report.changed,
            "reloaded": [m.value for m in report.reloaded],
            "problems": report.problems[:20],
        },
    )
    with session_factory(cli.engine)() as session, session.begin():
        audit.record(session, audit.cli_actor(), entry)


@dialplan.command("setup")
@pass_cli
def dialplan_setup(cli: CliContext) -> None:
    """Prepare Asterisk's configuration directory once: add the #include lines for the
    generated files to extensions.conf, pjsip.conf, queues.conf, musiconhold.conf,
    voicemail.conf and manager.conf (a backup of each changed file is kept), and write the
    controller's AMI user. Safe to run again.

    \b
    Example:
      pbxctl dialplan setup && asterisk -rx 'core reload'
    """
    for line in setup.install(cli.settings):
        click.echo(line)
