"""What a follow-up may hold: one set of input models for the API and ``pbxctl followup``.

The shapes here (types, lengths, patterns) are checked by pydantic; what needs the database
(the agent, user, customer and call exist) is checked by :mod:`controller.followups.service`,
which raises :class:`FollowupError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from controller.db.models.followups import FollowupStatus


class FollowupError(ValueError):
    """A follow-up input the database refuses: ``field`` names it; ``status`` is the HTTP
    status it is answered with (404 unknown follow-up; 409 a stale version, or an agent, user,
    customer or queue the configuration does not have)."""

    def __init__(self, field: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.field, self.status = field, status


EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
_RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}"
                      r"(?P<fraction>\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})")  # fmt: skip


def _rfc3339(value: object) -> object:
    """Text in RFC 3339 form (a number of seconds is not a time here); a datetime as is."""
    if isinstance(value, dt.datetime):
        return value
    found = _RFC3339.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise ValueError("an RFC 3339 time with a zone is needed, e.g. 2026-12-04T18:00:00+08:00")
    fraction = found["fraction"]
    if fraction and len(fraction) > 7:  # Python keeps microseconds: drop what is finer
        return str(value).replace(fraction, fraction[:7], 1)
    return value


def _in_range(value: dt.datetime) -> dt.datetime:
    """In UTC, clamped to the times every database stores (as the API's other times)."""
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        return LATEST if value.year > 1970 else EARLIEST
    return min(max(utc, EARLIEST), LATEST)


def _strict_integer(value: object) -> object:
    """Integers from a query string or command line: ASCII digits only, at most 19."""
    if isinstance(value, bool):
        raise ValueError("a whole number is needed, not true or false")
    if isinstance(value, str):
        if not re.fullmatch(r"-?[0-9]{1,19}", value):
            raise ValueError("a whole number of at most 19 ASCII digits is needed")
        return int(value)
    return value


def _text(pattern: str, description: str, **bounds: Any) -> Any:
    return Field(pattern=pattern, description=description, **bounds)


AgentCode = Annotated[str, _text(r"^[0-9]{2,10}$", "an agent code: 2-10 digits")]
Login = Annotated[str, _text(r"^[a-z0-9][a-z0-9_.@-]{0,63}$", "a user's login name")]
CustomerCode = Annotated[str, _text(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", "a customer code")]
PhoneNumber = Annotated[str, _text(r"^\+?[0-9]{3,20}$", "a phone number (E.164 preferred)")]
QueueName = Annotated[str, _text(r"^[a-z][a-z0-9_-]{0,47}$", "a queue name")]
Linkedid = Annotated[str, _text(r"^[A-Za-z0-9_.:@;-]{1,64}$", "a call's Linkedid")]
Subject = Annotated[
    str, _text(r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$", "one line of text", max_length=200)
]
Notes = Annotated[
    str,
    _text(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", "text, at most 4000 characters",
          max_length=4000),
]  # fmt: skip
DueTime = Annotated[
    AwareDatetime,
    Field(description="RFC 3339 with a zone, e.g. 2026-12-04T10:00:00+08:00"),
    BeforeValidator(_rfc3339),
    AfterValidator(_in_range),
]
SearchText = Annotated[
    str, _text(r"^[^\x00-\x1f\x7f]{1,64}$", "a word or words the subject or notes contain")
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# What the "not both" rule looks like to an OpenAPI client or fuzzer.
NOT_BOTH_ASSIGNEES = {
    "not": {
        "required": ["assignee_agent", "assignee_user"],
        "properties": {"assignee_agent": {"type": "string"}, "assignee_user": {"type": "string"}},
    }
}


class _Assignee(_Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra=NOT_BOTH_ASSIGNEES)

    @model_validator(mode="after")
    def _one_assignee(self) -> Any:
        agent, user = getattr(self, "assignee_agent", None), getattr(self, "assignee_user", None)
        if agent is not None and user is not None:
            raise ValueError("give assignee_agent or assignee_user, not both")
        return self


class FollowupCreate(_Assignee):
    """A new follow-up. Without ``linkedid`` it belongs to a customer only; with it, the
    call's queue and customer fill the fields left out."""

    subject: Subject
    notes: Notes = ""
    linkedid: Linkedid | None = Field(None, description="the call it came of")
    customer_code: CustomerCode | None = None
    customer_number: PhoneNumber | None = None
    queue: QueueName | None = Field(None, description="default: the call's queue")
    assignee_agent: AgentCode | None = Field(
        None, description="default: the agent who creates it (none for others)"
    )
    assignee_user: Login | None = None
    due_at: DueTime | None = None
    status: FollowupStatus = FollowupStatus.OPEN


class FollowupUpdate(_Assignee):
    """A change: the fields given are set (null clears the assignee, customer or due time);
    none given changes nothing."""

    subject: Subject | SkipJsonSchema[None] = None
    notes: Notes | SkipJsonSchema[None] = None
    customer_code: CustomerCode | None = None
    assignee_agent: AgentCode | None = None
    assignee_user: Login | None = None
    due_at: DueTime | None = None
    status: FollowupStatus | SkipJsonSchema[None] = None
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = Field(
        None, description="the version this change was made on: 409 when it changed since"
    )

    @model_validator(mode="after")
    def _not_null(self) -> FollowupUpdate:
        for name in ("subject", "notes", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class FollowupQuery(_Input):
    """A search; every condition given must hold."""

    status: FollowupStatus | None = None
    assignee: (
        Annotated[str, _text(r"^[a-z0-9][a-z0-9_.@-]{0,63}$", "an agent code or a user's login")]
        | None
    ) = None
    customer: CustomerCode | None = Field(None, description="a customer code")
    number: PhoneNumber | None = Field(None, description="the customer's number")
    queue: QueueName | None = None
    linkedid: Linkedid | None = None
    due_before: DueTime | None = Field(None, description="due before this time (exclusive)")
    text: SearchText | None = Field(None, description="in the subject or notes, any case")
    limit: Annotated[int, Field(ge=1, le=1000), BeforeValidator(_strict_integer)] = 100
    offset: Annotated[int, Field(ge=0, le=2**63 - 1), BeforeValidator(_strict_integer)] = 0
