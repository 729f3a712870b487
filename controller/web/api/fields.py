"""The API's field types: one per kind of value, used wherever that kind occurs.

Bodies, query strings and path segments take their values through these types only, so an
agent code is checked the same way in ``POST /calls/originate``, ``/agents/{code}/login`` and
``/history/calls?agent=``, and the OpenAPI document shows the same pattern and bounds the
server applies (a client generator or a fuzzer sees what is accepted). The patterns are
narrower than what :mod:`controller.ami.encode` lets through to Asterisk: a value refused here
never reaches the AMI layer; the encoder remains the layer that guarantees it.

Integers from a query string or a path are parsed strictly (ASCII digits, at most 19 of them:
``str.isdigit`` accepts ``²``) and bounded to a 64-bit database integer. Times are RFC 3339
with a zone; a time beyond the range calls can have is clamped to it (a filter's meaning stays
the same, and no database is asked about year 9999 in another zone).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from aiohttp import web
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from controller.ami.actions import TargetKind
from controller.web.errors import ApiError

BIGINT_MAX = 2**63 - 1  # the largest id or offset any of our databases stores


def _text(pattern: str, description: str, **bounds: Any) -> Any:
    return Field(pattern=pattern, description=description, **bounds)


AgentCode = Annotated[str, _text(r"^[0-9]{2,10}$", "an agent code: 2-10 digits")]
ExtensionNumber = Annotated[str, _text(r"^[1-9][0-9]{1,7}$", "an extension: 2-8 digits")]
DialNumber = Annotated[
    str, _text(r"^\+?[0-9*#]{1,32}$", "a number to dial: digits, '*', '#', optional leading +")
]
# As Asterisk names queues; the configuration's own names are a subset.
QueueName = Annotated[str, _text(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}$", "a queue name")]
PauseReason = Annotated[
    str, _text(r"^[a-z][a-z0-9_-]{0,47}$", "the code of a configured pause reason")
]
Device = Annotated[
    str,
    _text(r"^(PJSIP|SIP|IAX2|Local)/[A-Za-z0-9_.@+-]{1,80}$", "a device, e.g. PJSIP/1001"),
]
# A channel's Uniqueid or a call's Linkedid: Asterisk's (1795468000.12) or ours (pbx-c2c-...).
ChannelRef = Annotated[
    str, _text(r"^[A-Za-z0-9_.:@;-]{1,150}$", "a Uniqueid or Linkedid as the API shows it")
]
RequestId = Annotated[
    str, _text(r"^[!-~]{1,64}$", "an idempotency key: 1-64 printable ASCII characters")
]
DispositionCode = Annotated[
    str, _text(r"^[a-z][a-z0-9_-]{0,47}$", "the code of a configured disposition")
]
# Free text typed by a person (notes): lines of text, no control characters but tab and
# line breaks.
LongText = Annotated[
    str,
    _text(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", "text, at most 4000 characters",
          max_length=4000),
]  # fmt: skip
# What a search may compare with stored values: one line of text.
SearchText = Annotated[
    str, _text(r"^[^\x00-\x1f\x7f]{1,64}$", "one line of text, compared exactly")
]

_CALLER_NUMBER = r"\+?[0-9*#]{1,32}"
# 50 characters: quoted and escaped they always fit the 255 bytes Asterisk keeps of a caller ID.
_CALLER_NAME = r"[^<>\x00-\x1f\x7f]{0,50}"
_CALLER_ID = re.compile(
    rf"(?:(?P<name>{_CALLER_NAME})<(?P<number>{_CALLER_NUMBER})>|(?P<bare>{_CALLER_NUMBER}))"
)
CallerIdText = Annotated[
    str,
    _text(
        rf"^(?:{_CALLER_NAME}<{_CALLER_NUMBER}>|{_CALLER_NUMBER})$",
        "what the agent's phone shows: 'Name <number>' (the name may be in double quotes, "
        'with \\" and \\\\ inside) or just the number',
    ),
]


def caller_id_parts(text: str) -> tuple[str, str]:
    """(name, number) of a :data:`CallerIdText` value."""
    found = _CALLER_ID.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not 'Name <number>' or a number")
    if found["bare"] is not None:
        return found["bare"], found["bare"]
    name = found["name"].strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    return name, found["number"]


def _strict_integer(value: object) -> object:
    """Integers from text: ASCII digits (an optional minus), at most 19 of them."""
    if isinstance(value, bool):
        raise ValueError("a whole number is needed, not true or false")
    if isinstance(value, str):
        if not re.fullmatch(r"-?[0-9]{1,19}", value):
            raise ValueError("a whole number of at most 19 ASCII digits is needed")
        return int(value)
    return value


def _integer(low: int, high: int, description: str) -> Any:
    return Annotated[
        int, Field(ge=low, le=high, description=description), BeforeValidator(_strict_integer)
    ]


RowId = _integer(1, BIGINT_MAX, "a row id")
Limit = _integer(1, 1000, "how many rows at most")
Offset = _integer(0, BIGINT_MAX, "how many rows to skip")

_RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}"
                      r"(?P<fraction>\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})")  # fmt: skip
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)


def _rfc3339(value: object) -> object:
    if not isinstance(value, str):
        return value
    found = _RFC3339.fullmatch(value)
    if found is None:
        raise ValueError("an RFC 3339 time with a zone is needed, e.g. 2026-11-23T10:00:00+08:00")
    fraction = found["fraction"]
    if fraction and len(fraction) > 7:  # Python keeps microseconds: drop what is finer
        value = value.replace(fraction, fraction[:7], 1)
    return value


def _in_range(value: dt.datetime) -> dt.datetime:
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        return LATEST if value.year > 1970 else EARLIEST
    return min(max(utc, EARLIEST), LATEST)


Timestamp = Annotated[
    AwareDatetime,
    Field(description="RFC 3339 with a zone, e.g. 2026-11-23T10:00:00+08:00"),
    BeforeValidator(_rfc3339),
    AfterValidator(_in_range),
]

# The type of each path parameter, by name: handlers read them with path_value and the
# OpenAPI document takes their schema from here.
PATH_TYPES: dict[str, TypeAdapter[Any]] = {
    "linkedid": TypeAdapter(ChannelRef),
    "uniqueid": TypeAdapter(ChannelRef),
    "name": TypeAdapter(QueueName),
    "code": TypeAdapter(AgentCode),
    "call_id": TypeAdapter(RowId),
    "recording_id": TypeAdapter(RowId),
    "followup_id": TypeAdapter(RowId),
    "endpoint_id": TypeAdapter(RowId),
    "delivery_id": TypeAdapter(RowId),
}

# The value of a transfer target, by its kind.
TARGET_TYPES: dict[TargetKind, TypeAdapter[str]] = {
    TargetKind.EXTENSION: TypeAdapter(ExtensionNumber),
    TargetKind.AGENT: TypeAdapter(AgentCode),
    TargetKind.QUEUE: TypeAdapter(QueueName),
    TargetKind.NUMBER: TypeAdapter(DialNumber),
}


def path_value(request: web.Request, name: str) -> Any:
    """The path parameter ``name`` of the request, checked by its type; a 400 naming it."""
    text = request.match_info[name]
    try:
        return PATH_TYPES[name].validate_python(text)
    except PydanticValidationError as exc:
        problem = {"field": name, "message": str(exc.errors()[0]["msg"])}
        raise ApiError(400, "invalid_input", f"invalid path: check {name}", [problem]) from None
