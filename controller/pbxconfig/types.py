"""Field types of the configuration format, each with a message a user can act on.

The rules are deliberately narrow: names end up in Asterisk context and queue names, numbers
in dial strings, prompts in file paths. What is refused here never reaches the generators.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Any

import phonenumbers
from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from controller import urltemplate
from controller.domain import Destination
from controller.errors import Message


def _matching(pattern: str, what: str) -> AfterValidator:
    compiled = re.compile(pattern)

    described = Message(what)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(Message("{value} is not {what}", value=repr(value), what=described))
        return value

    return AfterValidator(check)


# Object names double as Asterisk identifiers (queue names, context names), so ASCII only;
# Chinese names belong in display_name / description.
Name = Annotated[
    str,
    _matching(
        r"[a-z][a-z0-9_-]{0,47}",
        "a valid name: 1-48 lowercase letters, digits, '-' or '_', starting with a letter",
    ),
]
ExtensionNumber = Annotated[str, _matching(r"[1-9][0-9]{1,7}", "an extension number (2-8 digits)")]
AgentCode = Annotated[str, _matching(r"[0-9]{2,10}", "an agent code (2-10 digits)")]
Pin = Annotated[str, _matching(r"[0-9]{4,12}", "a PIN (4-12 digits)")]
Did = Annotated[
    str, _matching(r"\+?[0-9]{3,20}", "a DID number (3-20 digits, optionally starting with +)")
]
CallerIdNumber = Annotated[
    str, _matching(r"\+?[0-9]{3,20}", "a caller ID number (3-20 digits, optionally with +)")
]
DigitPrefix = Annotated[str, _matching(r"\+?[0-9]{0,20}", "a digit prefix (0-20 digits)")]
DialKey = Annotated[str, _matching(r"[0-9*#]", "a single key: 0-9, * or #")]
# An Asterisk extension pattern without the leading "_": digits, X (0-9), Z (1-9), N (2-9),
# [..] digit sets and ranges, and an optional trailing "." or "!".
DialPattern = Annotated[
    str,
    _matching(
        r"(?:[0-9*#+XZN]|\[(?:[0-9](?:-[0-9])?)+\])+[.!]?",
        "a dial pattern such as 1[3-9]XXXXXXXXX or 0NXXXXXX. (digits, X, Z, N, [a-b], . or !)",
    ),
]
DigitKey = Annotated[str, _matching(r"[0-9]", "a single digit")]
Language = Annotated[
    str, _matching(r"[a-z]{2,3}(_[A-Z]{2})?", "a language code such as zh, en or en_US")
]
# A sound file below Asterisk's sounds directory, without extension; played by name.
Prompt = Annotated[
    str,
    _matching(
        r"(?!.*\.\.)(?!.*//)[A-Za-z0-9_][A-Za-z0-9_./-]{0,190}(?<!/)",
        "a prompt name: a relative path of letters, digits, '_', '-', '.' and '/'"
        " without '..' or a file extension, e.g. custom/welcome",
    ),
]
Username = Annotated[
    str, _matching(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", "a SIP user name (letters, digits, _.-)")
]
Hostname = Annotated[
    str,
    _matching(
        r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
        r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*",
        "a host name or IPv4 address",
    ),
]
Email = Annotated[
    str, _matching(r"[^@\s,;|\"'<>]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "an e-mail address")
]
Currency = Annotated[str, _matching(r"[A-Z]{3}", "a 3-letter currency code such as CNY")]
# Free text that lands in config files, caller-ID names and prompts for humans: one line.
Text = Annotated[
    str,
    _matching(r"[^\x00-\x1f\x7f]{0,255}", "one line of text (no control characters, <= 255)"),
]
LongText = Annotated[
    str, _matching(r"[^\x00-\x08\x0b-\x1f\x7f]{0,4000}", "text without control characters")
]

_CODECS = frozenset({"alaw", "ulaw", "g722", "g729", "gsm", "opus", "ilbc", "speex", "slin"})


def _codec(value: str) -> str:
    if value not in _CODECS:
        raise ValueError(
            Message("unknown codec {value}; known: {known}", value=repr(value),
                    known=", ".join(sorted(_CODECS)))
        )  # fmt: skip
    return value


Codec = Annotated[str, AfterValidator(_codec)]

# A web address with {placeholders} filled per call (controller/urltemplate.py).
UrlTemplate = Annotated[str, AfterValidator(urltemplate.check)]


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value: str) -> str:
    if value not in _zones():
        raise ValueError(
            Message("unknown time zone {value}; use an IANA name such as Asia/Shanghai",
                    value=repr(value))
        )  # fmt: skip
    return value


TimeZone = Annotated[str, AfterValidator(_timezone)]


def _country(value: str) -> str:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            Message("unknown country {value}; use an ISO 3166 code such as CN", value=repr(value))
        )
    return value


Country = Annotated[str, AfterValidator(_country)]


def _network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(
            Message("{value} is not an IP address or network such as 203.0.113.0/24",
                    value=repr(value))
        ) from None  # fmt: skip


Network = Annotated[str, AfterValidator(_network)]


def _destination(value: Any) -> Destination:
    if isinstance(value, Destination):
        return value
    if not isinstance(value, str):
        raise ValueError(Message("a destination is written as 'kind:target', e.g. 'queue:sales'"))
    return Destination.parse(value)


DestinationField = Annotated[
    Destination,
    BeforeValidator(_destination),
    PlainSerializer(str, return_type=str),
]


def _money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(
            Message("{value} is not an amount such as 0.06", value=repr(value))
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(Message("{value} is not an amount such as 0.06", value=repr(value)))
    if amount.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValueError(Message("{value} has more than 4 decimal places", value=repr(value)))
    return amount


def format_money(amount: Decimal) -> str:
    """Shortest exact decimal text: 0.0600 -> 0.06, 100 -> 100."""
    return format(amount.normalize(), "f")


Money = Annotated[Decimal, BeforeValidator(_money), PlainSerializer(format_money, return_type=str)]


def _clock(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    text = str(value)
    match = re.fullmatch(r"([01]?[0-9]|2[0-4]):([0-5][0-9])", text)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(
            Message("{value} is not a time of day such as 09:00 or 24:00", value=repr(text))
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    # 24:00 (end of day) is stored as 23:59:59.999999 so that it sorts after every time.
    return dt.time(23, 59, 59, 999999) if hour == 24 else dt.time(hour, minute)


def format_clock(value: dt.time) -> str:
    if value == dt.time(23, 59, 59, 999999):
        return "24:00"
    return value.strftime("%H:%M")


Clock = Annotated[dt.time, BeforeValidator(_clock), PlainSerializer(format_clock, return_type=str)]


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(
            Message("{value} is not a date such as 2026-10-01", value=repr(value))
        ) from None


Day = Annotated[dt.date, BeforeValidator(_day), PlainSerializer(dt.date.isoformat, return_type=str)]


def phone_number_e164(text: str, country: str) -> str:
    """Normalise a phone number written any common way to E.164, or raise ValueError."""
    try:
        parsed = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        raise ValueError(Message("{value} is not a phone number", value=repr(text))) from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(
            Message("{value} is not a possible phone number in {country}", value=repr(text),
                    country=country)
        )  # fmt: skip
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
