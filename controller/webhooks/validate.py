"""What a webhook endpoint may be: one set of input models for the API and ``pbxctl webhook``."""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool
from pydantic.json_schema import SkipJsonSchema

from controller.webhooks.events import EVENTS, PING


class WebhookError(ValueError):
    """An endpoint input the database refuses (``field`` names it; 404 unknown, 409 taken)."""

    def __init__(self, field: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.field, self.status = field, status


def _url(value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - read to check it: urlsplit checks the port only when read
    except ValueError as err:  # e.g. "Invalid IPv6 URL", "Port out of range 0-65535"
        raise ValueError(f"not a valid address ({err})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an http:// or https:// address with a host is needed")
    if parts.username or parts.password:
        raise ValueError("no user or password in the address: the requests are signed")
    return value


def generated_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$", description="a name: crm")]
Url = Annotated[
    str,
    # The host is a name, an IPv4 address or a bracketed IPv6 address; whether an IPv6
    # address or a port is valid is checked in _url (a pattern cannot say it).
    Field(
        pattern=r"^https?://([A-Za-z0-9._~%!$&'()*+,;=@-]+|\[[0-9A-Fa-f:.]{2,45}\])"
        r"(:[0-9]{1,5})?([/?#][!-~]*)?$",
        max_length=1000,
        description="http(s)://host[:port]/path",
    ),
    AfterValidator(_url),
]
Secret = Annotated[
    str,
    Field(pattern=r"^[!-~]{24,128}$", description="24-128 printable ASCII characters"),
]
EventName = Annotated[str, Field(json_schema_extra={"enum": [e for e in EVENTS if e != PING]})]
QueueName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,47}$", description="a queue")]
Description = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f]*$", max_length=200)]


def event_name(value: str) -> str:
    if value not in EVENTS:
        raise ValueError(f"not an event: {', '.join(EVENTS)}")
    return value


def _events(value: list[str]) -> list[str]:
    unknown = sorted(set(value) - set(EVENTS) | ({PING} & set(value)))
    if unknown:
        known = ", ".join(e for e in EVENTS if e != PING)
        raise ValueError(f"unknown event(s) {unknown}; known: {known}")
    return sorted(set(value))


Events = Annotated[
    list[EventName],
    Field(max_length=len(EVENTS), description="the events it wants; []: every event"),
    AfterValidator(_events),
]
Queues = Annotated[
    list[QueueName],
    Field(max_length=1000, description="only events of these queues; null: every queue"),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EndpointCreate(_Input):
    name: Name
    url: Url
    secret: Secret | None = Field(None, description="default: generated (shown once)")
    events: Events = []
    queues: Queues | None = None
    enabled: StrictBool = True
    description: Description = ""


class EndpointUpdate(_Input):
    """The fields given are set; ``rotate_secret`` makes a new secret (shown once)."""

    url: Url | SkipJsonSchema[None] = None
    events: Events | SkipJsonSchema[None] = None
    queues: Queues | None = None
    enabled: StrictBool | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    rotate_secret: StrictBool = False

    def changes(self) -> dict[str, Any]:
        given = self.model_fields_set - {"rotate_secret"}
        for name in given - {"queues"}:
            if getattr(self, name) is None:
                raise WebhookError(name, f"{name} cannot be null", 400)
        return {name: getattr(self, name) for name in given}
