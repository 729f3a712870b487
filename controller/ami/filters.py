"""Server-side AMI event filters: Asterisk sends a session only the events it will use.

Under load most of what Asterisk sends is noise for the controller: a VarSet and a Newexten
for every dialplan step (three quarters of the events and bytes of a 100-call load test).
Reading and parsing them cost the controller more CPU than everything it does with the rest.
Asterisk 22's advanced filters (the ``Filter`` action, per session, needs ``write=system``)
drop them before they are written to the socket.

:func:`controller.ami.live.tracker_filters` derives the controller's list from the decoder's
table (one source of truth: a newly decoded event is requested automatically).
:meth:`EventFilter.matches` is Asterisk's test in Python, so tests can check a list of filters
against recorded events.

Filters apply to events only: the answers to actions, including the events of list actions
(CoreShowChannels, Status, QueueStatus), and the FullyBooted sent with the login's answer
always reach the session (checked on Asterisk 22, tests/integration/test_ami_filters.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from controller.ami.session import AmiError, AmiSender

logger = logging.getLogger(__name__)


class FiltersRefused(AmiError):
    """Some filters took effect, and the include-all filter that would undo them was refused."""


# A legacy (whole-payload regex) include filter that matches every event.
INCLUDE_ALL = ".*"

Method = Literal["none", "exact", "starts_with", "regex"]


@dataclass(frozen=True, slots=True)
class EventFilter:
    """An include filter: events called ``name`` (whose ``header`` matches, if given)."""

    name: str
    header: str | None = None
    method: Method = "none"
    expression: str = ""

    def action_fields(self) -> dict[str, str | int | list[str]]:
        criteria = f"action(include),name({self.name})"
        if self.header is not None:
            criteria += f",header({self.header}),method({self.method})"
        return {"Operation": "Add", "MatchCriteria": criteria, "Filter": self.expression}

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether Asterisk would send this event (the same test, in Python)."""
        if fields.get("Event") != self.name:
            return False
        if self.header is None:
            return True
        value = fields.get(self.header)
        if value is None:
            return False
        if self.method == "exact":
            return value == self.expression
        if self.method == "starts_with":
            return value.startswith(self.expression)
        if self.method == "regex":
            # Asterisk compiles POSIX extended regexes; the ones used here mean the same in re.
            return re.search(self.expression, value) is not None
        return True


def allows(filters: Iterable[EventFilter], fields: Mapping[str, str]) -> bool:
    """Whether an event passes a list of include filters (any one is enough)."""
    return any(f.matches(fields) for f in filters)


async def add_filters(session: AmiSender, filters: Iterable[EventFilter]) -> bool:
    """Install ``filters`` on a logged-in session (sent together: one round trip in all).

    Returns False, after logging why, when Asterisk refused any (the user lacks
    ``write=system``, or a filter did not compile): the session then receives every event,
    which costs CPU but loses nothing, since decoding ignores what it does not use. When only
    some were refused, the accepted ones would hide everything else: an include-all filter
    is added; if even that is refused, FiltersRefused (drop the session, reconnect unfiltered)."""
    answers = await asyncio.gather(*(session.send("Filter", f.action_fields()) for f in filters))
    refused = [response for response, _ in answers if response.get("Response") != "Success"]
    if not refused:
        return True
    logger.warning(
        "ami=filters_refused count=%d of=%d message=%r: receiving every event instead "
        "(the AMI user needs write=system)",
        len(refused),
        len(answers),
        refused[0].get("Message", ""),
    )
    if len(refused) < len(answers):
        response, _ = await session.send("Filter", {"Operation": "Add", "Filter": INCLUDE_ALL})
        if response.get("Response") != "Success":
            raise FiltersRefused("AMI accepted only some event filters and refused to undo them")
    return False
