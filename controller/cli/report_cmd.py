"""``pbxctl report NAME``: any report of the registry, as a table, CSV, Excel, JSON or PDF."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory
from controller.db.migrate import require_current_schema
from controller.export.formats import BINARY, FORMATS, render
from controller.export.pdf_out import PdfError
from controller.reports import rollup
from controller.reports.calendar import Interval, Window, local_midnight
from controller.reports.delivery import STATE_FILE, SentState, send_due, send_entry
from controller.reports.errors import ReportError
from controller.reports.mail import MailError
from controller.reports.registry import REPORTS
from controller.reports.request import ReportRequest, site_zone
from controller.reports.result import Report
from controller.reports.runner import run_report
from controller.reports.schedule import period_before
from controller.reports.service_level import FORMULAS, Variant


def reports_help() -> str:
    width = max(len(spec.name) for spec in REPORTS)
    lines = [f"  {spec.name.ljust(width)}  {spec.summary}" for spec in REPORTS]
    variants = "\n".join(f"  {v.value}  {FORMULAS[v]}" for v in Variant)
    return (
        "Run a report over the call history (site time zone; a call belongs to the interval "
        "it entered; --to is included).\n\n\b\nReports:\n" + "\n".join(lines)
        + "\n\n\b\nService-level formulas (--sl, default E):\n" + variants
        + "\n\n\b\nExamples:\n"
        "  pbxctl report queues --from 2026-05-01 --to 2026-05-31 --interval hour\n"
        "  pbxctl report agents --from 2026-05-04 --to 2026-05-04 --format xlsx --out day.xlsx\n"
        "  pbxctl report detail --from 2026-05-04 --to 2026-05-04 -o figure=abandoned "
        "-o row=sales\n"
        "  pbxctl report abandoned --from 2026-05-04 --to 2026-05-04 --format csv"
    )  # fmt: skip


def parse_options(values: tuple[str, ...]) -> dict[str, str]:
    options: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r}: write name=value", param_hint="--option")
        options[name.strip()] = text
    return options


def emit(report: Report, fmt: str, language: str, out: Path | None, columns: str | None) -> None:
    if fmt in BINARY and out is None:
        raise click.UsageError(f"--format {fmt} writes a file: give --out FILE")
    chosen = [c.strip() for c in columns.split(",")] if columns and fmt == "table" else None
    data = render(report, fmt, language, chosen)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as err:
        raise click.ClickException(f"cannot write {out}: {err.strerror}") from err
    click.echo(f"wrote {out} ({len(data)} bytes, {len(report.rows)} rows)", err=True)


@click.command("report", help=reports_help(), context_settings={"max_content_width": 100})
@click.argument("name", type=click.Choice([spec.name for spec in REPORTS]), metavar="NAME")
@click.option(
    "--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="First day (default today)."
)
@click.option(
    "--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="Last day, included (default --from)."
)
@click.option("--queue", "queues", multiple=True, help="Only this queue (repeatable).")
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@click.option(
    "--interval",
    type=click.Choice([i.value for i in Interval]),
    default="day",
    show_default=True,
    help="Rows per 15 minutes, hour, day, week, month or total.",
)
@click.option(
    "--sl",
    "variant",
    type=click.Choice([v.value for v in Variant]),
    default="E",
    show_default=True,
    help="Service-level formula (listed above).",
)
@click.option(
    "-o",
    "--option",
    "options",
    multiple=True,
    metavar="NAME=VALUE",
    help="A report's own option, e.g. figure=answered for detail.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of titles and column names.",
)
@click.option("--columns", help="table format: only these column keys, comma-separated.")
@pass_cli
def report(cli: CliContext, name: str, first: dt.datetime | None, last: dt.datetime | None,
           queues: tuple[str, ...], agents: tuple[str, ...], interval: str, variant: str,
           options: tuple[str, ...], fmt: str, out: Path | None, lang: str,
           columns: str | None) -> None:  # fmt: skip
    require_current_schema(cli.engine)
    factory = session_factory(cli.engine)
    with factory() as session:
        tz = site_zone(session)
        start = first.date() if first else dt.datetime.now(tz).date()
        end = last.date() if last else start
        if end < start:
            raise click.BadParameter(f"{end} is before --from {start}", param_hint="--to")
        request = ReportRequest(
            Window(start, end, tz), Interval(interval), frozenset(queues), frozenset(agents),
            Variant(variant), options=parse_options(options),
        )  # fmt: skip
        result = run_report(session, name, request)
    emit(result, fmt, lang, out, columns)


@click.command("report-rollup")
@click.option(
    "--from",
    "first",
    type=click.DateTime(["%Y-%m-%d"]),
    help="First local day to build (default: 35 days ago).",
)
@click.option(
    "--to",
    "last",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last local day to build, included (default: today, up to the last hour).",
)
@click.option("--rebuild", is_flag=True, help="Forget every rollup first, then build.")
@click.option("--status", is_flag=True, help="Only say what the rollups cover.")
@pass_cli
def report_rollup(cli: CliContext, first: dt.datetime | None, last: dt.datetime | None,
                  rebuild: bool, status: bool) -> None:  # fmt: skip
    """Build the reports' hourly rollups (a month's report then adds up hours, not calls).

    `pbxctl serve` keeps them up to date by itself (the last 35 days at first, then every
    hour that ends and every hour the history writer changes); build older periods here once.
    A report of a period the rollups do not cover is computed from the calls themselves:
    the same figures, more slowly. Rebuild after changing the site's time zone (the rollups
    are kept per local hour) or after editing history rows by hand.

    \b
    Examples:
      pbxctl report-rollup --status
      pbxctl report-rollup --from 2025-01-01
      pbxctl report-rollup --rebuild --from 2026-01-01
    """
    require_current_schema(cli.engine)
    with session_factory(cli.engine)() as session:
        tz = site_zone(session)
        if not status:
            if rebuild:
                rollup.clear(session)
            now = dt.datetime.now(dt.UTC)
            start = first.date() if first else (now - dt.timedelta(days=35)).astimezone(tz).date()
            end = (
                last.date() + dt.timedelta(days=1)
                if last
                else now.astimezone(tz).date() + dt.timedelta(days=1)
            )
            if end <= start:
                raise click.BadParameter(f"{end - dt.timedelta(days=1)} is before --from {start}",
                                         param_hint="--to")  # fmt: skip

            def progress(at: dt.datetime) -> None:
                click.echo(f"built up to {at.astimezone(tz):%Y-%m-%d %H:%M}", err=True)

            rollup.build(session, tz, local_midnight(start, tz), local_midnight(end, tz), now,
                         progress)  # fmt: skip
        known = rollup.covered(session)
    if known is None:
        click.echo("the rollups cover nothing yet: reports are computed from the calls")
    else:
        lo, hi = (at.astimezone(tz).strftime("%Y-%m-%d %H:%M") for at in known)
        click.echo(f"the rollups cover {lo} to {hi} ({tz.key})")


@click.command("report-send")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option(
    "--due", is_flag=True, help="Only what is due and not sent yet, as `pbxctl serve` does."
)
@click.option(
    "--day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Send the period that ended before this local day (default: today).",
)
@click.option("--list", "listing", is_flag=True, help="List the scheduled reports and stop.")
@pass_cli
def report_send(cli: CliContext, names: tuple[str, ...], due: bool, day: dt.datetime | None,
                listing: bool) -> None:  # fmt: skip
    """Mail scheduled reports ([[reports.schedule]] in the settings) now.

    Without --due, each named entry (default: all) is sent for its last whole period (a daily
    report: yesterday; weekly: last Monday to Sunday; monthly: last month), whether or not it
    was sent before. With --due, only what `pbxctl serve` would send now; use that from cron
    when the service does not run.

    \b
    Examples:
      pbxctl report-send --list
      pbxctl report-send daily-queues
      pbxctl report-send monthly-cost --day 2026-05-01
      pbxctl report-send --due          # crontab: */5 * * * *
    """
    settings = cli.settings.reports
    if listing:
        for entry in settings.schedule:
            click.echo(f"{entry.name}: {entry.report} {entry.every} at {entry.at}, "
                       f"{entry.format} to {', '.join(entry.recipients)}")  # fmt: skip
        if not settings.schedule:
            click.echo("no scheduled reports ([[reports.schedule]] in the settings)")
        return
    unknown = [name for name in names if settings.entry(name) is None]
    if unknown:
        known = ", ".join(e.name for e in settings.schedule) or "none"
        raise click.BadParameter(f"no scheduled report {unknown[0]!r} (known: {known})",
                                 param_hint="NAME")  # fmt: skip
    if due and (names or day):
        raise click.UsageError("--due sends what is due: give no NAME and no --day with it")
    require_current_schema(cli.engine)
    factory = session_factory(cli.engine)
    state = SentState(cli.settings.data_dir / STATE_FILE)
    if due:
        for name, label in send_due(factory, settings, state):
            click.echo(f"sent {name} {label}")
        return
    with factory() as session:
        tz = site_zone(session)
    today = day.date() if day else dt.datetime.now(tz).date()
    failed = False
    for entry in [settings.entry(n) for n in names] if names else settings.schedule:
        assert entry is not None
        period = period_before(entry.every, today)
        try:
            size = send_entry(factory, settings, entry, period)
        except (MailError, ReportError, PdfError) as err:
            click.echo(f"{entry.name} {period.label}: not sent: {err}", err=True)
            failed = True
            continue
        state.record(entry.name, period.label)
        click.echo(
            f"sent {entry.name} {period.label} ({size} bytes) to {', '.join(entry.recipients)}"
        )
    if failed:
        raise SystemExit(1)
