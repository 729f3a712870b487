"""Asterisk's Channel Event Log (CEL) as the controller asks Asterisk to write it, and its parser.

`pbxctl dialplan setup` enables CEL (``cel.conf``) and adds one ``cel_custom`` mapping
(:data:`CEL_CUSTOM_CONF`): a CSV file in Asterisk's log directory with the fields of
:data:`FIELDS`, one line per event, written by Asterisk whether or not the controller runs.
It is what :mod:`controller.recovery` reads back after an outage.

Only the events and applications the recovery uses are logged (:data:`CEL_CONF`); the
generated dialplan adds a ``PBX`` user event (``CELGenUserEvent``) wherever it sets a call
attribute the tracker follows (``[pbx-mark]``): CEL carries no channel variables of its own.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass

from controller.recovery.marks import mark_pairs

# The file cel_custom writes, relative to Asterisk's log directory. The version in the name
# changes with FIELDS, so an old file is never read with a new layout.
CEL_FILE = "cel-custom/pbx-controller-cel-v1.csv"

FIELDS = (
    "eventtype",
    "eventtime",
    "cid_name",
    "cid_num",
    "exten",
    "context",
    "channame",
    "appname",
    "appdata",
    "uniqueid",
    "linkedid",
    "peer",
    "userdeftype",
    "extra",
)
_SOURCES = {
    "eventtype": "${eventtype}",
    "eventtime": "${eventtime}",
    "cid_name": "${CALLERID(name)}",
    "cid_num": "${CALLERID(num)}",
    "exten": "${CHANNEL(exten)}",
    "context": "${CHANNEL(context)}",
    "channame": "${CHANNEL(channame)}",
    "appname": "${CHANNEL(appname)}",
    "appdata": "${CHANNEL(appdata)}",
    "uniqueid": "${CHANNEL(uniqueid)}",
    "linkedid": "${CHANNEL(linkedid)}",
    "peer": "${BRIDGEPEER}",
    "userdeftype": "${userdeftype}",
    "extra": "${eventextra}",
}

# What the recovery reads: channel life, answers, bridges, transfers, our user events, and
# the start and end of the few applications that mark a call's course.
EVENTS = (
    "CHAN_START",
    "ANSWER",
    "HANGUP",
    "APP_START",
    "APP_END",
    "BRIDGE_ENTER",
    "BRIDGE_EXIT",
    "BLINDTRANSFER",
    "ATTENDEDTRANSFER",
    "USER_DEFINED",
    "LINKEDID_END",
)
APPS = ("queue", "voicemail", "mixmonitor")

_HEADER = (
    "; Written by `pbxctl dialplan setup`: Asterisk's own record of every call, which the\n"
    "; controller reads back to complete its call history after it was stopped or crashed.\n"
)
# A legacy mapping of plain fields: Asterisk 22.8 and later turn it into a fast "advanced"
# mapping by themselves; the legacy form is what every Asterisk 22 release understands.
MAPPING = f"{CEL_FILE.rsplit('/', 1)[1]} => " + ",".join(
    f"${{CSV_QUOTE({_SOURCES[name]})}}" for name in FIELDS
)


def cel_conf(*, extend: bool) -> str:
    """Our part of ``cel.conf``; ``extend``: the including file already has ``[general]``
    (Debian's has), so ours adds to it instead of opening a second one."""
    return (
        f"{_HEADER}[general]{'(+)' if extend else ''}\n"
        f"enable=yes\napps={','.join(APPS)}\nevents={','.join(EVENTS)}\n"
    )


def cel_custom_conf(*, extend: bool) -> str:
    """Our part of ``cel_custom.conf``; ``extend``: the including file has ``[mappings]``."""
    return f"{_HEADER}[mappings]{'(+)' if extend else ''}\n{MAPPING}\n"


# The name of our CELGenUserEvent events ([pbx-mark]; what they carry: recovery.marks).
USER_EVENT = "PBX"


@dataclass(frozen=True, slots=True)
class CelRecord:
    """One CEL event. ``at`` is Asterisk's time (epoch seconds with microseconds)."""

    event: str  # CHAN_START, ANSWER ... or the user event's name for USER_DEFINED
    at: float
    cid_name: str
    cid_num: str
    exten: str
    context: str
    channel: str
    app: str
    app_data: str
    uniqueid: str
    linkedid: str
    peer: str
    user_event: str
    extra: dict[str, object]

    @property
    def is_user_event(self) -> bool:
        return bool(self.user_event)

    def attributes(self) -> dict[str, str]:
        """The ``name=value&...`` pairs of one of our user events (URL-encoded values)."""
        text = self.extra.get("extra")
        return mark_pairs(text) if isinstance(text, str) else {}


class CelFormatError(ValueError):
    """A line that is not a CEL record in our layout."""


def parse_line(line: str) -> CelRecord:
    """One line of :data:`CEL_FILE` -> :class:`CelRecord`; :class:`CelFormatError` if the
    line is cut or not in our layout."""
    rows = list(csv.reader([line]))
    if len(rows) != 1 or len(rows[0]) != len(FIELDS):
        raise CelFormatError(f"expected {len(FIELDS)} fields: {line[:120]!r}")
    row = dict(zip(FIELDS, rows[0], strict=True))
    try:
        at = float(row["eventtime"])
    except ValueError as err:
        raise CelFormatError(f"bad eventtime {row['eventtime']!r}") from err
    extra: dict[str, object] = {}
    if row["extra"]:
        try:
            loaded = json.loads(row["extra"])
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            extra = loaded
    return CelRecord(
        event=row["eventtype"],
        at=at,
        cid_name=row["cid_name"],
        cid_num=row["cid_num"],
        exten=row["exten"],
        context=row["context"],
        channel=row["channame"],
        app=row["appname"],
        app_data=row["appdata"],
        uniqueid=row["uniqueid"],
        linkedid=row["linkedid"],
        peer=row["peer"],
        user_event=row["userdeftype"],
        extra=extra,
    )


def line_time(line: str) -> float | None:
    """The event time of a line, cheaply (for the backward scan), or None."""
    start = line.find('","')
    if start < 0:
        return None
    end = line.find('"', start + 3)
    try:
        return float(line[start + 3 : end])
    except ValueError:
        return None
