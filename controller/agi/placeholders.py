"""The placeholder channel that waits in a queue in a callback requester's place.

An AMI Originate of ``Local/<id>@pbx-cb-hold/n`` (Async): its ``;2`` half joins the queue at
the caller's position with the caller's ``QUEUE_PRIO``; when an agent answers it, its ``;1``
half continues in ``[pbx-cb-dial]``. ChannelIds are fixed per request and attempt, so a
re-sent Originate is refused by Asterisk while the first placeholder lives, and the
placeholder can be found (QueueStatus ``Uniqueid``) and hung up (``Hangup`` accepts a
uniqueid) without knowing its channel name. Its values pass :mod:`controller.ami.encode`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from controller.agi.callback_store import CallbackStore, RequestRow
from controller.ami import encode
from controller.ami.protocol import Message
from controller.ami.session import ActionFields, AmiLister, AmiSender
from controller.routing import callback as rules_cb
from controller.routing.rules import Rules

log = logging.getLogger("controller.agi")

HOLD_CONTEXT = "pbx-cb-hold"
DIAL_CONTEXT = "pbx-cb-dial"


class AmiActions(AmiSender, AmiLister, Protocol):
    """The AMI calls the callback service makes (:class:`controller.ami.client.AmiClient`
    has them)."""

    async def action(self, name: str, **fields: ActionFields) -> Message: ...


class Placeholders:
    def __init__(
        self,
        ami: AmiActions,
        store: CallbackStore,
        rules: Callable[[], Rules | None],
        clock: Callable[[], dt.datetime],
        dialable: Callable[[str, str], str],
    ) -> None:
        self.ami = ami
        self.store = store
        self.rules = rules
        self.clock = clock
        self.dialable = dialable  # (E.164, country) -> what the outbound routes dial

    def channel_ids(self, row: RequestRow) -> tuple[str, str]:
        """(;1, ;2) uniqueids of the placeholder of this attempt."""
        base = f"pbx-cb-{self.store.server_id}-{row.id}-{row.attempts}"
        return f"{base}-d", f"{base}-h"

    async def place(self, row: RequestRow, position: int) -> None:
        rules = self.rules()
        if rules is None:
            raise RuntimeError("no routing rules loaded")
        queue = rules.queues[row.queue]
        timing = rules_cb.placeholder_for(queue, self.clock())
        left = max(60, int((row.expires_at - self.clock()).total_seconds()))
        first, second = self.channel_ids(row)
        variables = {
            "PBX_CB_ID": row.id, "PBX_CB_QUEUE": row.queue,
            "PBX_CB_NUMBER": self.dialable(row.number, rules.country),
            "PBX_CB_POSITION": position, "PBX_CB_PRIORITY": row.priority,
            "PBX_CB_MAXWAIT": left, "PBX_CB_RING": timing.ring_seconds,
        }  # fmt: skip
        await self.ami.action(
            "Originate",
            Channel=encode.device("Channel", f"Local/{row.id:08d}@{HOLD_CONTEXT}/n"),
            Context=DIAL_CONTEXT, Exten="s", Priority=1,
            Timeout=(left + 60) * 1000, Async="true",
            CallerID=encode.caller_id("CallerID", "CALLBACK", row.number),
            ChannelId=first, OtherChannelId=second,
            Variable=[encode.variable(name, str(value)) for name, value in variables.items()],
        )  # fmt: skip
        await asyncio.to_thread(self.store.set_placeholder, row.id, second)
        log.info("event=callback_placeholder id=%d queue=%s position=%d attempt=%d",
                 row.id, row.queue, position, row.attempts)  # fmt: skip

    async def position(self, row: RequestRow) -> int | None:
        _first, second = self.channel_ids(row)
        for entry in await self.ami.list_action("QueueStatus", Queue=row.queue):
            if entry.get("Event") == "QueueEntry" and entry.get("Uniqueid") == second:
                return int(entry.get("Position", "0")) or None
        return None

    async def hang_up(self, row: RequestRow) -> None:
        first, _second = self.channel_ids(row)
        response, _events = await self.ami.send("Hangup", {"Channel": first})
        if response.get("Response") != "Success":  # already gone: nothing to do
            log.info(
                "event=callback_hangup_missed id=%d detail=%r", row.id, response.get("Message")
            )
