"""``pbxctl report NAME``: any report of the registry, as a table, CSV, Excel, JSON or PDF."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory
from controller.db.migrate import require_current_schema
from controller.export import csv_out, json_out, pdf_out, table, xlsx_out
from controller.reports.calendar import Interval, Window
from controller.reports.registry import REPORTS
from controller.reports.request import ReportRequest, site_zone
from controller.reports.result import Report
from controller.reports.runner import run_report
from controller.reports.service_level import FORMULAS, Variant

FORMATS = ("table", "csv", "xlsx", "json", "pdf")
BINARY = ("xlsx", "pdf")


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
    if fmt == "table":
        chosen = [c.strip() for c in columns.split(",")] if columns else None
        data: bytes = table.render(report, language, chosen).encode()
    elif fmt == "csv":
        data = csv_out.render(report, language)
    elif fmt == "json":
        data = json_out.render(report) + b"\n"
    elif fmt == "xlsx":
        data = xlsx_out.render(report, language)
    else:
        data = pdf_out.render(report, language)
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
