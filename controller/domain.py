"""Vocabulary shared by the configuration format, the database and the generators.

Pure values only: enums and the typed :class:`Destination`. No I/O, no SQLAlchemy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from controller.errors import Message


class DestinationKind(StrEnum):
    """Where a call can be sent. Written ``kind:target`` in the YAML format."""

    EXTENSION = "extension"  # ring an extension's phone (voicemail on no answer if enabled)
    VOICEMAIL = "voicemail"  # straight into an extension's voicemail box
    QUEUE = "queue"
    IVR = "ivr"
    TIME_CONDITION = "time_condition"
    EXTERNAL = "external"  # an outside number, dialled through the outbound routes
    HANGUP = "hangup"


# Kinds whose target names a configured object (and so must exist).
REFERENCE_KINDS = frozenset(
    {
        DestinationKind.EXTENSION,
        DestinationKind.VOICEMAIL,
        DestinationKind.QUEUE,
        DestinationKind.IVR,
        DestinationKind.TIME_CONDITION,
    }
)

_EXTERNAL_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")


@dataclass(frozen=True, slots=True, order=True)
class Destination:
    """A typed call destination. ``target`` is empty only for ``hangup``."""

    kind: DestinationKind
    target: str = ""

    def __post_init__(self) -> None:
        if self.kind is DestinationKind.HANGUP:
            if self.target:
                raise ValueError(Message("'hangup' takes no target"))
        elif not self.target:
            raise ValueError(
                Message("'{kind}' needs a target, e.g. '{kind}:NAME'", kind=self.kind.value)
            )
        elif self.kind is DestinationKind.EXTERNAL and not _EXTERNAL_NUMBER.match(self.target):
            raise ValueError(
                Message(
                    "external number {number} must be 3-20 digits, optionally with a leading +",
                    number=repr(self.target),
                )
            )

    @classmethod
    def parse(cls, text: str) -> Destination:
        """Parse ``kind:target`` (or plain ``hangup``); raise ValueError with a helpful message."""
        kind_text, sep, target = text.partition(":")
        try:
            kind = DestinationKind(kind_text.strip())
        except ValueError:
            kinds = ", ".join(k.value for k in DestinationKind)
            raise ValueError(
                Message(
                    "unknown destination {text}: expected 'kind:target' with kind one of {kinds}",
                    text=repr(text),
                    kinds=kinds,
                )
            ) from None
        if not sep and kind is not DestinationKind.HANGUP:
            raise ValueError(
                Message("destination {text} needs a target, e.g. '{kind}:NAME'", text=repr(text),
                        kind=kind.value)
            )  # fmt: skip
        return cls(kind, target.strip())

    def __str__(self) -> str:
        return (
            self.kind.value if self.kind is DestinationKind.HANGUP else f"{self.kind}:{self.target}"
        )


class QueueStrategy(StrEnum):
    RINGALL = "ringall"
    LEASTRECENT = "leastrecent"
    FEWESTCALLS = "fewestcalls"
    RANDOM = "random"
    RRMEMORY = "rrmemory"
    RRORDERED = "rrordered"
    LINEAR = "linear"
    WRANDOM = "wrandom"


class AnnouncePosition(StrEnum):
    YES = "yes"
    NO = "no"
    MORE = "more"
    LIMIT = "limit"


class AnnounceHoldtime(StrEnum):
    YES = "yes"
    NO = "no"
    ONCE = "once"


class AgentRole(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    BLENDED = "blended"


class RecordWhat(StrEnum):
    ALL = "all"
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    QUEUE = "queue"
    NONE = "none"


class RecordingFormat(StrEnum):
    WAV = "wav"
    WAV49 = "wav49"
    GSM = "gsm"


class TrunkAuth(StrEnum):
    REGISTER = "register"  # we register to the provider with username/password
    CREDENTIALS = "credentials"  # we authenticate outbound calls but do not register
    IP = "ip"  # the provider recognises us by IP address; no credentials


class Transport(StrEnum):
    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"


class CallerIdPolicy(StrEnum):
    EXTENSION = "extension"  # the calling extension's outbound caller ID, else the trunk's
    TRUNK = "trunk"  # always the trunk's caller ID
    FIXED = "fixed"  # the route's own number
    HIDDEN = "hidden"  # withheld (privacy)


class MohSort(StrEnum):
    RANDOM = "random"
    ALPHA = "alpha"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def index(self) -> int:
        """Monday is 0, like :meth:`datetime.date.weekday`."""
        return list(Weekday).index(self)


class HolidayKind(StrEnum):
    HOLIDAY = "holiday"  # closed all day
    WORKDAY = "workday"  # a weekend day worked to make up for a holiday (调休): weekday hours


class TimeBranch(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    HOLIDAY = "holiday"


class IvrSlot(StrEnum):
    """Destinations of an IVR menu besides its key options."""

    TIMEOUT = "timeout"
    INVALID = "invalid"


IVR_KEYS = tuple("0123456789*#")
