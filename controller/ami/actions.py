"""Call control over AMI: click-to-call, hangup, transfers, hold, supervision, recording.

Every action names the channel by the Uniqueid the API shows; the tracker turns it into the
channel name Asterisk wants (and says clearly when the channel does not exist). Actions that
create channels (Originate) get a fixed ChannelId, the idempotency key the client uses to
avoid a duplicate after a reconnect; a client-supplied ``request_id`` makes a retried HTTP
request idempotent too.

Every value goes through :mod:`controller.ami.encode` by the kind of field it fills (a device, a
channel, an extension, a variable ...): a value Asterisk would read differently is refused with
an :class:`~controller.ami.encode.AmiValueError` naming the field, before anything is sent.

Hold from the controller moves the agent's phone and its peer out of their bridge into
``[pbx-hold]`` (music for the held party; the generated dialplan sets ``PBX_HOLD=1``, which
the tracker counts as hold) and bridges them again on unhold.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from controller.ami import encode
from controller.ami.client import AmiClient
from controller.ami.tracker import Tracker
from controller.errors import ControllerError

HOLD_CONTEXT = "pbx-hold"
PHONES_CONTEXT = "pbx-phones"


class ActionError(ControllerError):
    """A call-control request cannot be carried out (bad target, unknown channel ...)."""


class NotFound(ActionError):
    """The channel or call the request names does not exist (any more)."""


class TargetKind(StrEnum):
    EXTENSION = "extension"
    AGENT = "agent"
    QUEUE = "queue"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    value: str

    def location(self) -> tuple[str, str]:
        """(context, extension) the generated dialplan serves this target at."""
        if self.kind is TargetKind.AGENT:
            return "pbx-agent", self.value
        if self.kind is TargetKind.QUEUE:
            return f"pbx-queue-{self.value}", "s"
        return PHONES_CONTEXT, self.value


class SpyMode(StrEnum):
    LISTEN = "listen"
    WHISPER = "whisper"  # the agent hears the supervisor, the caller does not
    BARGE = "barge"  # everyone hears everyone


_SPY_OPTIONS = {SpyMode.LISTEN: "qE", SpyMode.WHISPER: "qEw", SpyMode.BARGE: "qEB"}


def _location(target: Target) -> tuple[str, str]:
    context, exten = target.location()
    return encode.name("Context", context), encode.exten("Exten", exten)


def _spied_number(channel_name: str) -> str:
    """What the supervisor's phone shows as the number: the spied device (``1001`` of
    ``PJSIP/1001-00000001`` and of ``Local/1001@pbx-agent-00000002;1``)."""
    resource = channel_name.split("/", 1)[-1].rsplit("-", 1)[0].split("@", 1)[0]
    return "".join(ch for ch in resource if ch.isascii() and (ch.isalnum() or ch in "_.-"))[:20]


def channel_id(request_id: str | None, kind: str, today: dt.date | None = None) -> str:
    """A ChannelId: derived from the client's request id, so a retry maps to the same id.

    The id becomes the call's Linkedid, the key of its history row: the day is part of the
    derivation so a request id reused another day cannot overwrite an old call's history.
    """
    if request_id:
        day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
        return f"pbx-{kind}-{uuid.uuid5(uuid.NAMESPACE_URL, f'{day}/{request_id}').hex[:20]}"
    return f"pbx-{kind}-{uuid.uuid4().hex[:20]}"


class CallActions:
    def __init__(self, client: AmiClient, tracker: Tracker) -> None:
        self.client = client
        self.tracker = tracker

    def _name(self, uniqueid: str, field: str = "Channel") -> str:
        """The live channel's name, as the AMI field ``field`` may carry it."""
        found = self.tracker.channel(uniqueid)
        if found is None:
            raise NotFound(f"channel {uniqueid!r} is not live")
        return encode.channel(field, found[0])

    async def originate(
        self,
        device: str,
        number: str,
        *,
        agent: str | None = None,
        caller_id: tuple[str, str] | None = None,
        request_id: str | None = None,
        ring_seconds: int = 30,
    ) -> str:
        """Ring ``device`` (the agent's phone); when answered, dial ``number`` from it.

        ``caller_id`` is (name, number) shown on the phone (default: the number dialled).
        Returns the new channel's Uniqueid (= the call's Linkedid).
        """
        cid = channel_id(request_id, "c2c")
        fields: dict[str, str | int | list[str]] = {
            "Channel": encode.device("Channel", device),
            "Context": PHONES_CONTEXT,
            "Exten": encode.exten("Exten", number),
            "Priority": 1,
            "Timeout": ring_seconds * 1000,
            "CallerID": encode.caller_id(
                "CallerID", *(caller_id if caller_id is not None else (number, number))
            ),
        }
        if agent:
            fields["Variable"] = [encode.variable("__PBX_AGENT", agent)]
        await self.client.originate(cid, known=self.tracker.knows_uniqueid, **fields)
        return cid

    async def hangup(self, uniqueid: str) -> None:
        await self.client.action("Hangup", Channel=self._name(uniqueid), Cause=16)

    async def blind_transfer(self, uniqueid: str, target: Target) -> None:
        """The party talking to ``uniqueid`` goes to ``target``; ``uniqueid`` leaves."""
        context, exten = _location(target)
        await self.client.action(
            "BlindTransfer", Channel=self._name(uniqueid), Context=context, Exten=exten
        )

    async def attended_transfer(self, uniqueid: str, target: Target) -> None:
        """Start a consultation from ``uniqueid`` to ``target``; the peer waits on hold.

        Hang up ``uniqueid`` to complete it, or :meth:`cancel_transfer`."""
        context, exten = _location(target)
        await self.client.action(
            "Atxfer", Channel=self._name(uniqueid), Context=context, Exten=exten
        )

    async def cancel_transfer(self, uniqueid: str) -> None:
        await self.client.action("CancelAtxfer", Channel=self._name(uniqueid))

    async def hold(self, uniqueid: str) -> None:
        name = self._name(uniqueid, "ExtraChannel")
        peer = self.tracker.peer_of(uniqueid)
        if peer is None:
            raise ActionError(f"channel {uniqueid!r} is not talking to anyone: nothing to hold")
        await self.client.action(
            "Redirect",
            Channel=encode.channel("Channel", peer),
            Context=HOLD_CONTEXT,
            Exten="held",
            Priority=1,
            ExtraChannel=name,
            ExtraContext=HOLD_CONTEXT,
            ExtraExten="holder",
            ExtraPriority=1,
        )

    async def unhold(self, uniqueid: str) -> None:
        name = self._name(uniqueid, "Channel1")
        held = self.tracker.held_peer_of(uniqueid)
        if held is None:
            raise ActionError(f"channel {uniqueid!r} holds no call")
        held = encode.channel("Channel2", held)
        await self.client.action("Setvar", Channel=name, Variable="PBX_HOLD", Value="0")
        await self.client.action("Bridge", Channel1=name, Channel2=held, Tone="no")

    async def spy(
        self, supervisor_device: str, uniqueid: str, mode: SpyMode, request_id: str | None = None
    ) -> str:
        """Ring the supervisor; when answered, listen to / whisper to / barge into the call."""
        spied = self._name(uniqueid, "Data")
        cid = channel_id(request_id, "spy")
        await self.client.originate(
            cid,
            known=self.tracker.knows_uniqueid,
            Channel=encode.device("Channel", supervisor_device),
            Application="ChanSpy",
            Data=encode.app_data("Data", spied, _SPY_OPTIONS[mode]),
            CallerID=encode.caller_id("CallerID", mode.value, _spied_number(spied)),
            Timeout=30_000,
        )
        return cid

    async def start_recording(self, uniqueid: str, *, now: dt.datetime | None = None) -> str:
        """MixMonitor the channel into ``YYYY/MM/DD/<uniqueid>.wav`` (as the dialplan does)."""
        name = self._name(uniqueid)
        day = (now or dt.datetime.now(dt.UTC)).strftime("%Y/%m/%d")
        path = encode.app_data("File", f"{day}/{uniqueid}.wav")
        await self.client.action("Setvar", Channel=name, Variable="__PBX_RECORDING", Value=path)
        await self.client.action("MixMonitor", Channel=name, File=path, Options="b")
        return path

    async def stop_recording(self, uniqueid: str) -> None:
        await self.client.action("StopMixMonitor", Channel=self._name(uniqueid))
