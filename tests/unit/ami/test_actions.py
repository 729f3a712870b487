"""Call actions: targets, channel ids, and the checks made before anything is sent."""

from __future__ import annotations

import datetime as dt

import pytest

from controller.ami import events as ev
from controller.ami.actions import (
    ActionError,
    CallActions,
    NotFound,
    SpyMode,
    Target,
    TargetKind,
    channel_id,
)
from controller.ami.encode import AmiValueError
from controller.ami.protocol import Message
from controller.ami.tracker import Tracker


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []

    async def action(self, name: str, **fields: object) -> Message:
        self.sent.append((name, fields))
        return Message([("Response", "Success")])


def test_request_ids_give_stable_channel_ids_within_a_day() -> None:
    day = dt.date(2026, 11, 23)
    assert channel_id("crm-1", "c2c", day) == channel_id("crm-1", "c2c", day)
    assert channel_id("crm-1", "c2c", day) != channel_id("crm-2", "c2c", day)
    assert channel_id("crm-1", "c2c", day) != channel_id("crm-1", "c2c", dt.date(2026, 11, 24))
    assert channel_id(None, "c2c") != channel_id(None, "c2c")


def test_targets_map_to_the_generated_dialplan() -> None:
    assert Target(TargetKind.AGENT, "8002").location() == ("pbx-agent", "8002")
    assert Target(TargetKind.QUEUE, "support").location() == ("pbx-queue-support", "s")
    assert Target(TargetKind.EXTENSION, "1002").location() == ("pbx-phones", "1002")
    assert Target(TargetKind.NUMBER, "13800138000").location() == ("pbx-phones", "13800138000")


def _bridged() -> Tracker:
    tracker = Tracker(device_agents={"PJSIP/1001": "8001"})
    caller = ev.Chan("PJSIP/trunk-1", "c1", "c1", 6)
    phone = ev.Chan("PJSIP/1001-2", "a1", "c1", 6)
    tracker.apply_many([ev.NewChannel(0, caller), ev.NewChannel(1, phone),
                        ev.BridgeEnter(2, "b", caller), ev.BridgeEnter(2, "b", phone)])  # fmt: skip
    return tracker


@pytest.mark.asyncio
async def test_hold_redirects_both_parties_and_unhold_needs_a_held_call() -> None:
    recorder = Recorder()
    actions = CallActions(recorder, _bridged())  # type: ignore[arg-type]
    await actions.hold("a1")
    name, fields = recorder.sent[-1]
    assert name == "Redirect"
    assert (fields["Channel"], fields["Exten"]) == ("PJSIP/trunk-1", "held")
    assert (fields["ExtraChannel"], fields["ExtraExten"]) == ("PJSIP/1001-2", "holder")
    with pytest.raises(ActionError, match="channel 'a1' holds no call"):
        await actions.unhold("a1")  # the tracker has not seen the redirect yet
    with pytest.raises(NotFound, match="channel 'zz' is not live"):
        await actions.hangup("zz")


@pytest.mark.asyncio
async def test_hold_needs_someone_to_hold() -> None:
    tracker = Tracker()
    tracker.apply(ev.NewChannel(0, ev.Chan("PJSIP/1001-1", "x", "x", 6)))
    actions = CallActions(Recorder(), tracker)  # type: ignore[arg-type]
    with pytest.raises(ActionError, match="is not talking to anyone"):
        await actions.hold("x")


class OriginateRecorder(Recorder):
    async def originate(
        self, channel_id: str, *, known: object = None, **fields: object
    ) -> Message:
        self.sent.append(("Originate", {"ChannelId": channel_id, **fields}))
        return Message([("Response", "Success")])


@pytest.mark.asyncio
async def test_originate_sends_each_value_encoded_for_its_field() -> None:
    recorder = OriginateRecorder()
    actions = CallActions(recorder, Tracker())  # type: ignore[arg-type]
    await actions.originate(
        "PJSIP/1001", "13800138000", agent="8001", caller_id=('Zhang, "San"', "1001")
    )
    ((_, fields),) = recorder.sent
    assert fields["Channel"] == "PJSIP/1001"
    assert fields["Exten"] == "13800138000"
    assert fields["Variable"] == ["__PBX_AGENT=8001"]
    assert fields["CallerID"] == '"Zhang, \\"San\\"" <1001>'
    await actions.originate("PJSIP/1001", "13800138000")
    assert recorder.sent[-1][1]["CallerID"] == '"13800138000" <13800138000>'


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"agent": "8001,__X=1"}, "Variable __PBX_AGENT"),
        ({"agent": "8001\r\nAction: Hangup"}, "Variable __PBX_AGENT"),
        ({"device": "PJSIP/1001&PJSIP/1002"}, "Channel"),
        ({"number": "1001,tT"}, "Exten"),
        ({"caller_id": ("x\r\nAction: Hangup", "1")}, "CallerID"),
        ({"caller_id": ("x", "1> <2")}, "CallerID"),
    ],
)
@pytest.mark.asyncio
async def test_originate_refuses_what_asterisk_would_read_otherwise(
    kwargs: dict[str, object], field: str
) -> None:
    recorder = OriginateRecorder()
    actions = CallActions(recorder, Tracker())  # type: ignore[arg-type]
    args: dict[str, object] = {"device": "PJSIP/1001", "number": "1001", **kwargs}
    with pytest.raises(AmiValueError) as caught:
        await actions.originate(**args)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert recorder.sent == []


@pytest.mark.asyncio
async def test_a_channel_name_that_asterisk_reads_as_a_pattern_is_never_hung_up() -> None:
    tracker = Tracker()
    tracker.apply(ev.NewChannel(0, ev.Chan("/.*/", "x", "x", 6)))  # however it got there
    recorder = Recorder()
    with pytest.raises(AmiValueError, match="Channel"):
        await CallActions(recorder, tracker).hangup("x")  # type: ignore[arg-type]
    assert recorder.sent == []


@pytest.mark.asyncio
async def test_spy_and_recording_send_one_argument_per_place() -> None:
    recorder = OriginateRecorder()
    actions = CallActions(recorder, _bridged())  # type: ignore[arg-type]
    await actions.spy("PJSIP/1009", "a1", SpyMode.WHISPER)
    fields = recorder.sent[-1][1]
    assert (fields["Data"], fields["CallerID"]) == ("PJSIP/1001-2,qEw", '"whisper" <1001>')
    path = await actions.start_recording("a1", now=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    assert path == "2026/11/23/a1.wav"
    assert recorder.sent[-1] == ("MixMonitor", {"Channel": "PJSIP/1001-2", "File": path,
                                                "Options": "b"})  # fmt: skip
    with pytest.raises(AmiValueError, match="Channel"):
        await actions.spy("PJSIP/1009,b", "a1", SpyMode.LISTEN)
