"""Server-side event filters: the live session asks for exactly what the Python side uses.

The filters are checked with :meth:`EventFilter.matches` (Asterisk's test, in Python) against
the transcripts recorded on the real Asterisk; tests/integration/test_ami_filters.py checks
that Asterisk applies them the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from controller.ami.client import CLIENT_EVENTS, AmiClient
from controller.ami.decode import TRACKED_EVENTS, decode
from controller.ami.filters import INCLUDE_ALL, EventFilter, add_filters, allows
from controller.ami.live import RAW_EVENTS, STATUS_VARIABLES, raw_event, tracker_filters
from controller.ami.protocol import Message
from controller.ami.replay import messages
from controller.ami.session import AmiCredentials
from controller.ami.tracker.calls import CALL_ATTRS, TRACKED_VARIABLES, VARSET_VARIABLES
from tests.unit.ami.fake_ami import FakeAmi, until

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ami"
FILTERS = tracker_filters()


def _used(message: Message) -> bool:
    """Whether the controller does anything with this event."""
    return (
        decode(message, 0.0) is not None
        or raw_event("pbx1", message, 0.0) is not None
        or message.fields.get("Event") in CLIENT_EVENTS
    )


def _marked(message: Message) -> bool:
    """A VarSet of a call attribute: the transcripts predate the marks (UserEvent PbxCall,
    tests/unit/ami/test_call_mark.py) that now carry them, so the session does not ask for it."""
    f = message.fields
    return f.get("Event") == "VarSet" and f.get("Variable", "").lstrip("_") in CALL_ATTRS


def _event(name: str, **fields: str) -> Message:
    return Message([("Event", name), *fields.items()])


def test_the_list_is_derived_from_the_decoder_and_the_raw_history() -> None:
    names = {f.name for f in FILTERS}
    assert names == TRACKED_EVENTS | RAW_EVENTS | CLIENT_EVENTS
    assert len(names) == len(FILTERS)  # one filter per event name


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.ami")), ids=lambda p: p.stem)
def test_every_recorded_event_the_controller_uses_passes(path: Path) -> None:
    # Answers to actions (with an ActionID) are not subject to filters.
    recorded = [m for m in messages(path.read_bytes()) if m.kind == "Event"]
    events = [m for m in recorded if "ActionID" not in m.fields]
    used = [m for m in events if _used(m)]
    assert used, "the transcript has events the tracker uses"
    lost = [m.fields for m in used if not allows(FILTERS, m.fields) and not _marked(m)]
    assert lost == []
    # ... and the filters do drop something real (VarSet/Newexten of every dialplan step).
    assert any(not allows(FILTERS, m.fields) for m in events)


@pytest.mark.parametrize("prefix", ["", "_", "__"])
def test_tracked_variables_pass_with_any_inheritance_prefix(prefix: str) -> None:
    for name in VARSET_VARIABLES:
        event = _event("VarSet", Variable=prefix + name, Value="1", Uniqueid="u")
        assert allows(FILTERS, event.fields), name
        assert decode(event, 0.0) is not None, name


@pytest.mark.parametrize(
    "variable", ["FOO", "PBX_PROMPT", "__PBX_AGI_OK", "PBX_AGENTS", "XPBX_AGENT", "pbx_agent"]
)
def test_other_variables_are_neither_sent_nor_decoded(variable: str) -> None:
    event = _event("VarSet", Variable=variable, Value="1", Uniqueid="u")
    assert not allows(FILTERS, event.fields)
    assert decode(event, 0.0) is None


@pytest.mark.parametrize(
    ("fields", "wanted"),
    [
        ({"Application": "VoiceMail"}, True),
        ({"Application": "Queue"}, False),
        ({"Application": "VoiceMailMain"}, False),
    ],
)
def test_newexten_only_for_voicemail(fields: dict[str, str], wanted: bool) -> None:
    event = _event("Newexten", Uniqueid="u", **fields)
    assert allows(FILTERS, event.fields) is wanted
    assert (decode(event, 0.0) is not None) is wanted


@pytest.mark.parametrize(
    ("name", "wanted"),
    [("PbxQueueExit", True), ("PbxCall", True), ("PbxSurvey", True), ("Other", False)],
)
def test_user_events_only_ours(name: str, wanted: bool) -> None:
    event = _event("UserEvent", UserEvent=name, Uniqueid="u", Queue="sales")
    assert allows(FILTERS, event.fields) is wanted
    assert _used(event) is wanted


def test_resync_asks_only_for_tracked_variables() -> None:
    assert set(STATUS_VARIABLES.split(",")) <= TRACKED_VARIABLES


def test_filter_actions() -> None:
    assert EventFilter("Hangup").action_fields() == {
        "Operation": "Add", "MatchCriteria": "action(include),name(Hangup)", "Filter": "",
    }  # fmt: skip
    narrowed = EventFilter("Newexten", "Application", "exact", "VoiceMail")
    assert narrowed.action_fields() == {
        "Operation": "Add",
        "MatchCriteria": "action(include),name(Newexten),header(Application),method(exact)",
        "Filter": "VoiceMail",
    }


# -- the client installs them after each login ---------------------------------------------


@contextlib.asynccontextmanager
async def _client(fake: FakeAmi, resynced: list[int]) -> AsyncIterator[AmiClient]:
    async def on_connected(_client: AmiClient) -> None:
        resynced.append(len(fake.actions))
        await _client.list_action("CoreShowChannels")

    credentials = AmiCredentials("127.0.0.1", fake.port, "ctl", fake.secret)  # type: ignore[attr-defined]
    client = AmiClient(
        credentials, lambda _m, _at: None, on_connected=on_connected,
        event_filters=FILTERS, min_backoff=0.01, max_backoff=0.05,
    )  # fmt: skip
    task = asyncio.create_task(client.run())
    try:
        yield client
    finally:
        client.stop()
        await asyncio.wait_for(task, 5)


@pytest.mark.asyncio
async def test_the_client_filters_before_its_resync(fake: FakeAmi) -> None:
    resynced: list[int] = []
    async with _client(fake, resynced) as client:
        await until(lambda: bool(resynced))
        assert client.filtered
    names = [m.get("Action") for m in fake.actions[: resynced[0]]]
    assert names == ["Login", *["Filter"] * len(FILTERS)]
    assert fake.actions[resynced[0]].get("Action") == "CoreShowChannels"


@pytest.mark.asyncio
async def test_refused_filters_leave_every_event_on_and_are_not_asked_again(
    fake: FakeAmi,
) -> None:
    fake.refuse_filter = lambda _m: True  # the AMI user lacks write=system
    resynced: list[int] = []
    async with _client(fake, resynced) as client:
        await until(lambda: bool(resynced))
        assert not client.filtered
        fake.drop_all()
        await until(lambda: len(resynced) == 2)
    assert len(fake.sent("Filter")) == len(FILTERS)  # the first login only
    assert all(m.get("Filter") != INCLUDE_ALL for m in fake.sent("Filter"))


@pytest.mark.asyncio
async def test_partly_refused_filters_are_undone_with_an_include_all(fake: FakeAmi) -> None:
    fake.refuse_filter = lambda m: "name(VarSet)" in m.get("MatchCriteria", "")
    resynced: list[int] = []
    async with _client(fake, resynced) as client:
        await until(lambda: bool(resynced))
        assert not client.filtered
    assert fake.sent("Filter")[-1].get("Filter") == INCLUDE_ALL
    assert fake.logins == 1


@pytest.mark.asyncio
async def test_filters_that_cannot_be_undone_cost_the_connection_once(fake: FakeAmi) -> None:
    def refuse(m: Message) -> bool:
        return "name(VarSet)" in m.get("MatchCriteria", "") or m.get("Filter") == INCLUDE_ALL

    fake.refuse_filter = refuse
    resynced: list[int] = []
    async with _client(fake, resynced):
        await until(lambda: bool(resynced))
    # Dropped before its resync, then connected again without filters.
    assert fake.logins == 2
    assert len(resynced) == 1
    assert len(fake.sent("Filter")) == len(FILTERS) + 1


@pytest.mark.asyncio
async def test_add_filters_sends_nothing_for_an_empty_list() -> None:
    class Recorder:
        async def send(
            self,
            name: str,
            fields: dict[str, str | int | list[str]] | None = None,
            timeout: float | None = None,
        ) -> tuple[Message, list[Message]]:
            raise AssertionError("nothing to send")

    assert await add_filters(Recorder(), [])
