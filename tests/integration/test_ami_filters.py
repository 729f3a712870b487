"""Server-side event filters on the real Asterisk 22: the filtered live session receives every
event the controller uses (compared with an unfiltered session watching the same call), none
of the others, and list actions still answer in full."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

import pytest

from controller.ami.client import CLIENT_EVENTS, AmiClient
from controller.ami.decode import decode
from controller.ami.filters import allows
from controller.ami.live import raw_event, tracker_filters
from controller.ami.protocol import Message
from controller.ami.session import AmiCredentials, AmiSession
from controller.ami.tracker.calls import CALL_ATTRS
from controller.sandbox import AsteriskSandbox

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

# A call that sets variables the tracker uses and some it does not, sends our user event and
# someone else's, and reaches VoiceMail (no such mailbox: it fails, the Newexten is sent).
DIALPLAN = """
[filter-test]
exten => s,1,Answer()
 same => n,Set(FOO=1)
 same => n,Set(__PBX_AGENT=8001)
 same => n,Set(_PBX_QUEUE=sales)
 same => n,UserEvent(PbxCall,Mark: _context=filter-test&_exten=s&PBX_QUEUE=sales)
 same => n,Set(PBX_PROMPT=menu)
 same => n,Set(__PBX_AGENTS=no)
 same => n,UserEvent(PbxQueueExit,Queue: sales,Status: TIMEOUT)
 same => n,UserEvent(SomethingElse,Queue: sales)
 same => n,UserEvent(FilterTestListNow)
 same => n,Wait(2)
 same => n,VoiceMail(9999@nowhere,s)
 same => n,Hangup()
"""
FILES = {"extensions.conf": DIALPLAN}
CALL = "ftest-1"
RUNS = f"{CALL}-2"  # the Local channel's half that runs [filter-test] (the other runs Wait)


async def _until(what: str, check: Callable[[], object], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.05)


def _key(m: Message) -> tuple[str, ...]:
    f = m.fields
    return tuple(f.get(k, "") for k in ("Event", "Uniqueid", "Variable", "UserEvent", "Priority"))


def _ours(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.fields.get("Uniqueid", "").startswith(CALL)]


def _seen(messages: list[Message], event: str, **fields: str) -> bool:
    return any(
        m.fields.get("Event") == event and all(m.fields.get(k) == v for k, v in fields.items())
        for m in messages
    )


async def test_a_filtered_session_receives_what_the_controller_uses_and_nothing_else(
    restart_asterisk: Callable[..., AsteriskSandbox],
) -> None:
    sandbox = restart_asterisk(FILES)
    account = sandbox.ami
    credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
    filters = tracker_filters()
    everything: list[Message] = []
    filtered: list[Message] = []
    async with await AmiSession.open(credentials, on_event=everything.append) as plain:
        client = AmiClient(credentials, lambda m, _at: filtered.append(m), event_filters=filters)
        task = asyncio.create_task(client.run())
        try:
            await _until("the filters installed", lambda: client.filtered)
            assert client.booted.is_set()  # FullyBooted comes with the login's answer
            await plain.action(
                "Originate", Channel="Local/s@filter-test", Application="Wait", Data="5",
                Async="true", ChannelId=CALL, OtherChannelId=RUNS,
            )  # fmt: skip
            await _until(
                "the call's list marker", lambda: _seen(everything, "UserEvent",
                                                        UserEvent="FilterTestListNow"),
            )  # fmt: skip
            # List actions answer in full: their events are responses, not filtered.
            listed = await client.list_action("CoreShowChannels")
            status = await client.list_action("Status", Variables="PBX_QUEUE,PBX_AGENT")
            await _until("the hang-up on both sessions", lambda: all(
                _seen(s, "Hangup", Uniqueid=CALL) for s in (everything, filtered)
            ))  # fmt: skip
            await asyncio.sleep(0.5)  # anything still on its way
        finally:
            client.stop()
            await asyncio.wait_for(task, 10)

    assert CALL in {m.get("Uniqueid") for m in listed}
    (own,) = [m for m in status if m.get("Uniqueid") == RUNS]
    assert set(own.all("Variable")) == {"PBX_QUEUE=sales", "PBX_AGENT=8001"}

    # The unfiltered session saw the noise, so the dialplan really produced it ...
    assert _seen(everything, "VarSet", Uniqueid=RUNS, Variable="FOO")
    assert _seen(everything, "VarSet", Uniqueid=RUNS, Variable="PBX_PROMPT")
    assert _seen(everything, "Newexten", Uniqueid=RUNS, Application="Wait")
    assert _seen(everything, "UserEvent", UserEvent="SomethingElse")
    # ... the filtered one got every event the controller uses, and only those.
    # (A call attribute's VarSet is still decoded when it comes, but the session asks for the
    # PbxCall marks that carry the attributes instead.)
    used = [m for m in _ours(everything) if (decode(m, 0.0) is not None
            or raw_event("pbx1", m, 0.0) is not None)
            and m.get("Variable", "").lstrip("_") not in CALL_ATTRS]  # fmt: skip
    assert Counter(map(_key, used)) == Counter(map(_key, _ours(filtered)))
    assert all(allows(filters, m.fields) for m in filtered)
    assert {m.get("Event") for m in filtered} - {f.name for f in filters} - CLIENT_EVENTS == set()
    for wanted in (
        {"Event": "VarSet", "Variable": "__PBX_AGENT"},
        {"Event": "UserEvent", "UserEvent": "PbxCall"},
        {"Event": "UserEvent", "UserEvent": "PbxQueueExit"},
        {"Event": "Newexten", "Application": "VoiceMail"},
        {"Event": "Newchannel"},
        {"Event": "Hangup"},
    ):
        fields = dict(wanted)
        assert _seen(_ours(filtered), fields.pop("Event"), **fields), wanted
    assert not _seen(filtered, "VarSet", Variable="FOO")
    assert not _seen(filtered, "VarSet", Variable="_PBX_QUEUE")
    assert not _seen(filtered, "VarSet", Variable="PBX_PROMPT")
    assert not _seen(filtered, "VarSet", Variable="__PBX_AGENTS")
    assert not _seen(filtered, "Newexten", Application="Wait")
    assert not _seen(filtered, "UserEvent", UserEvent="SomethingElse")
