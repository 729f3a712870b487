"""pbxctl report: the list in --help, every format, and clear errors for bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from controller.cli import build_cli
from controller.db.engine import make_engine
from controller.db.migrate import upgrade
from controller.reports.registry import REPORTS
from tests.db.reports.fixtures import queue_day
from tests.smtp_server import LocalSmtp


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'pbx.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    queue_day().write(engine)
    engine.dispose()
    (tmp_path / "none.toml").write_text("")
    env = {"PBXCTL_DATABASE_URL": url, "PBXCTL_DATA_DIR": str(tmp_path / "data"),
           "PBXCTL_CONFIG": str(tmp_path / "none.toml")}  # fmt: skip

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(build_cli(), ["report", *args], env=env)

    return invoke


def test_help_lists_every_report_and_the_formulas(run) -> None:  # type: ignore[no-untyped-def]
    result = run("--help")
    assert result.exit_code == 0
    for spec in REPORTS:
        assert f"  {spec.name} " in result.output
    assert "E  answered≤T ÷ (answered + abandoned − short abandoned≤S)" in result.output


def test_a_table_in_chinese_and_json(run) -> None:  # type: ignore[no-untyped-def]
    result = run("queues", "--from", "2026-05-04", "--columns", "queue,offered,service_level")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "队列绩效"
    assert lines[2].split() == ["队列", "呼入量", "服务水平"]
    assert lines[4].split() == ["全部", "10", "28.6%"]
    result = run("queues", "--from", "2026-05-04", "--format", "json", "--queue", "sales")
    body = json.loads(result.output)
    assert [row["queue"] for row in body["rows"]] == ["", "sales"]
    assert body["rows"][1]["offered"] == 9


def test_csv_has_a_bom_and_xlsx_and_pdf_are_files(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("agents", "--from", "2026-05-04", "--format", "csv", "--lang", "en")
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Interval", "Agent", "Logged in"]
    assert rows[1][1] == "All"
    out = tmp_path / "day.xlsx"
    result = run("queues", "--from", "2026-05-04", "--interval", "hour", "--format", "xlsx",
                 "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"
    result = run("queues", "--from", "2026-05-04", "--format", "xlsx")
    assert result.exit_code == 2
    assert "give --out FILE" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("queues", "--from", "2026-05-04", "--to", "2026-05-01"), "is before --from"),
        (("queues", "--from", "2026-05-04", "--queue", "nosuch"), "queue 'nosuch' is neither"),
        (
            ("queues", "--from", "2026-01-01", "--to", "2026-03-01", "--interval", "15m"),
            "at most 31",
        ),
        (("detail", "--from", "2026-05-04"), "option 'figure' is required"),
        (
            ("detail", "--from", "2026-05-04", "-o", "figure=answered", "-o", "at=9am"),
            "'9am' is not a day interval",
        ),
        (("queues", "--from", "2026-05-04", "-o", "colour=red"), "unknown option 'colour'"),
        (("queues", "--from", "2026-05-04", "-o", "nonsense"), "write name=value"),
        (("nosuch",), "Invalid value for 'NAME'"),
    ],
)
def test_bad_input_is_a_clear_error(run, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def pbxctl(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Any pbxctl command over queue_day's history, with the settings file given."""
    url = f"sqlite:///{tmp_path / 'pbx.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    queue_day().write(engine)
    engine.dispose()
    settings = tmp_path / "controller.toml"
    settings.write_text("")
    env = {"PBXCTL_DATABASE_URL": url, "PBXCTL_DATA_DIR": str(tmp_path / "data"),
           "PBXCTL_CONFIG": str(settings)}  # fmt: skip

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(build_cli(), list(args), env=env)

    invoke.settings = settings  # type: ignore[attr-defined]
    return invoke


def test_report_rollup_builds_what_the_report_then_reads(pbxctl) -> None:  # type: ignore[no-untyped-def]
    args = ("report", "queues", "--from", "2026-05-04", "--interval", "hour", "--format", "json")
    before = pbxctl(*args)
    assert "cover nothing yet" in pbxctl("report-rollup", "--status").output
    built = pbxctl("report-rollup", "--from", "2026-05-03", "--to", "2026-05-04")
    assert built.exit_code == 0, built.output
    assert "cover 2026-05-03 00:00 to 2026-05-05 00:00 (Asia/Shanghai)" in built.output
    assert pbxctl(*args).output == before.output
    rebuilt = pbxctl("report-rollup", "--rebuild", "--from", "2026-05-04", "--to", "2026-05-04")
    assert "cover 2026-05-04 00:00 to 2026-05-05 00:00" in rebuilt.output
    assert pbxctl(*args).output == before.output
    backwards = pbxctl("report-rollup", "--from", "2026-05-04", "--to", "2026-05-03")
    assert backwards.exit_code == 2
    assert "before --from 2026-05-04" in backwards.output


def test_report_send_mails_a_scheduled_report(pbxctl, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with LocalSmtp(tmp_path, tls=False) as smtp:
        pbxctl.settings.write_text(f"""
[reports]
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
smtp_security = "none"
sender = "pbx@example.com"

[[reports.schedule]]
name = "daily-sales"
report = "queues"
every = "daily"
format = "csv"
queues = ["sales"]
recipients = ["boss@example.com"]
""")
        listed = pbxctl("report-send", "--list")
        assert "daily-sales: queues daily at 06:00, csv to boss@example.com" in listed.output
        sent = pbxctl("report-send", "daily-sales", "--day", "2026-05-05")
        assert sent.exit_code == 0, sent.output
        assert "sent daily-sales 2026-05-04" in sent.output
        ((_, msg),) = smtp.messages
        (attachment,) = msg.iter_attachments()
        assert attachment.get_filename() == "queues-2026-05-04.csv"
        unknown = pbxctl("report-send", "weekly")
        assert unknown.exit_code == 2
        assert "no scheduled report 'weekly' (known: daily-sales)" in unknown.output
        assert pbxctl("report-send", "--due", "daily-sales").exit_code == 2
    away = pbxctl("report-send", "daily-sales", "--day", "2026-05-05")
    assert away.exit_code == 1
    assert "daily-sales 2026-05-04: not sent: SMTP 127.0.0.1" in away.output
