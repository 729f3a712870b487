"""A report as an e-mail, and sending it over SMTP (the scheduled reports).

The message is built apart from the sending, so a test reads exactly what goes out. The
report is an attachment in the entry's format; the body says what it is (report, period,
filters, time zone) in the entry's language, with the formula of the service level when the
report shows one.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from controller.config import ReportSettings
from controller.reports.result import Report
from controller.reports.schedule import Period
from controller.reports.schedule_settings import ScheduledReport, address_only

MEDIA = {
    "csv": ("text", "csv"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("application", "pdf"),
    "json": ("application", "json"),
}


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


def file_name(entry: ScheduledReport, period: Period) -> str:
    return f"{entry.report}-{period.label}.{entry.format}"


def body(entry: ScheduledReport, period: Period, report: Report) -> str:
    zh = entry.language == "zh"
    params = report.params
    lines = [
        report.title(entry.language),
        ("期间" if zh else "Period")
        + f": {period.first} – {period.last} ({params.get('time_zone', '')})",
        ("间隔" if zh else "Interval") + f": {params.get('interval', '')}",
    ]  # fmt: skip
    if entry.queues:
        lines.append(("队列" if zh else "Queues") + ": " + ", ".join(entry.queues))
    if entry.agents:
        lines.append(("坐席" if zh else "Agents") + ": " + ", ".join(entry.agents))
    lines.append(("行数" if zh else "Rows") + f": {len(report.rows)}")
    lines += ["", ("附件" if zh else "Attached") + f": {file_name(entry, period)}", ""]
    lines.append(
        f"（定时报表 {entry.name}，由 pbxctl 发送）" if zh
        else f"(scheduled report {entry.name}, sent by pbxctl)"
    )  # fmt: skip
    return "\n".join(lines) + "\n"


def message(
    settings: ReportSettings, entry: ScheduledReport, period: Period, report: Report, data: bytes
) -> EmailMessage:
    assert settings.sender is not None  # the settings refuse a schedule without a sender
    msg = EmailMessage()
    msg["Subject"] = f"{report.title(entry.language)} {period.label}"
    msg["From"] = settings.sender
    msg["To"] = ", ".join(entry.recipients)
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(domain=address_only(settings.sender).rpartition("@")[2])
    msg.set_content(body(entry, period, report))
    maintype, subtype = MEDIA[entry.format]
    params = {"charset": "utf-8"} if maintype == "text" else {}
    msg.add_attachment(data, maintype=maintype, subtype=subtype, params=params,
                       filename=file_name(entry, period))  # fmt: skip
    return msg


def send(settings: ReportSettings, msg: EmailMessage) -> None:
    """Hand ``msg`` to the SMTP server (STARTTLS or TLS, the certificate checked against
    the system's CAs or smtp_ca_file, unless smtp_security is "none"; login when a user is
    set)."""
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout
    if host is None:
        raise MailError("reports.smtp_host is not set")
    context = ssl.create_default_context(cafile=settings.smtp_ca_file)
    try:
        if settings.smtp_security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                                    context=context)  # fmt: skip
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=context)
            if settings.smtp_user is not None and settings.smtp_password is not None:
                client.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as err:
        raise MailError(f"SMTP {host}:{port}: {err}") from err
