"""Where each destination lives in the generated dialplan.

Every destination kind has one entry point, so routes, menus, time conditions, overflow and
the FastAGI answers all reach an object the same way: ``Goto(context,exten,1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.dialplan import escape
from controller.dialplan.escape import Safe
from controller.domain import Destination, DestinationKind

# Context names used by the templates and by the FastAGI routes that answer with a location.
FROM_TRUNK = "pbx-from-trunk"
PHONES = "pbx-phones"
EXTENSIONS = "pbx-ext"
VOICEMAIL = "pbx-vm"
EXTERNAL = "pbx-external"
HANGUP = "pbx-hangup"


def queue_context(name: str) -> str:
    return f"pbx-queue-{name}"


def survey_context(queue: str) -> str:
    """The post-call survey of a queue (not a destination: reached after the agent hung up)."""
    return f"pbx-survey-{queue}"


def ivr_context(name: str) -> str:
    return f"pbx-ivr-{name}"


def time_condition_context(name: str) -> str:
    return f"pbx-tc-{name}"


@dataclass(frozen=True, slots=True)
class Location:
    context: Safe
    exten: Safe

    @property
    def goto(self) -> Safe:
        """Arguments of Goto()/GotoIf() reaching this location."""
        return Safe(f"{self.context},{self.exten},1")


def location(dest: Destination) -> Location:
    """The dialplan location of a destination; raises UnsafeValue for an unwritable target."""
    kind, target = dest.kind, dest.target
    if kind is DestinationKind.EXTENSION:
        return Location(escape.name(EXTENSIONS), escape.exten(target))
    if kind is DestinationKind.VOICEMAIL:
        return Location(escape.name(VOICEMAIL), escape.exten(target))
    if kind is DestinationKind.QUEUE:
        return Location(escape.name(queue_context(target)), Safe("s"))
    if kind is DestinationKind.IVR:
        return Location(escape.name(ivr_context(target)), Safe("s"))
    if kind is DestinationKind.TIME_CONDITION:
        return Location(escape.name(time_condition_context(target)), Safe("s"))
    if kind is DestinationKind.EXTERNAL:
        return Location(escape.name(EXTERNAL), escape.exten(target))
    return Location(escape.name(HANGUP), Safe("s"))
