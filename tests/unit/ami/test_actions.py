"""Call actions: targets, channel ids, and the checks made before anything is sent."""

from __future__ import annotations

import datetime as dt

import pytest

from controller.ami import events as ev
from controller.ami.actions import (
    ActionError,
    CallActions,
    NotFound,
    Target,
    TargetKind,
    channel_id,
)
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
