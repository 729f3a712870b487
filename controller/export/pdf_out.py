"""A report as PDF: its HTML page printed by Debian's headless Chromium (A4 landscape).

The page is written to a private temporary directory with the package's static files
referenced by ``file://`` URL, so the PDF has the same table and chart as the web page.
Chromium runs with a time budget for the chart's script and a timeout; a missing browser
or a failed print is a :class:`PdfError` saying what to install or what went wrong.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from controller.errors import ControllerError
from controller.export import html
from controller.reports.result import Report

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
TIMEOUT = 120


class PdfError(ControllerError):
    """The PDF could not be printed."""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise PdfError("PDF reports need Chromium: apt-get install chromium fonts-noto-cjk")
    return found


def render(report: Report, language: str) -> bytes:
    page = html.render(report, language, static=STATIC.as_uri())
    with tempfile.TemporaryDirectory(prefix="pbx-report-") as tmp:
        source, target = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-pdf-header-footer", "--allow-file-access-from-files",
            f"--user-data-dir={Path(tmp) / 'profile'}", "--virtual-time-budget=10000",
            f"--print-to-pdf={target}", source.as_uri(),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired as err:
            raise PdfError(f"Chromium did not print the report within {TIMEOUT} s") from err
        if done.returncode != 0 or not target.exists():
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
            reason = " ".join(tail) or f"exit status {done.returncode}"
            raise PdfError(f"Chromium could not print the report: {reason}")
        return target.read_bytes()
