"""How the hub fans changes out (controller/web/hub.py): a board goes only when its tiles
changed, at most once per board window, and tells when the oldest change it shows arrived;
frames of every size reach the client whole, and a socket that does not read is closed
instead of holding the others up."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, WSCloseCode, WSMsgType

from controller.ami.tracker import Outbox
from controller.web.hub import MAX_PENDING, Subscriber, frame
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


async def _socket(api: Api, headers: dict[str, str], topics: list[str]) -> ClientWebSocketResponse:
    ticket = await (await api.client.post("/api/v1/ws/ticket", headers=headers)).json()
    socket = await api.client.ws_connect(f"/api/v1/ws?ticket={ticket['ticket']}")
    assert (await socket.receive_json(timeout=5))["type"] == "snapshot"
    await socket.send_json({"subscribe": topics})
    assert (await socket.receive_json(timeout=5))["type"] == "subscribed"
    return socket


async def _types(socket: ClientWebSocketResponse) -> list[str]:
    """The types of the messages that arrive within 0.3 s."""
    found = []
    while True:
        try:
            found.append((await socket.receive_json(timeout=0.3))["type"])
        except TimeoutError:
            return found


async def test_a_board_goes_again_only_when_its_tiles_changed(api: Api) -> None:
    hub = api.services.hub
    first = await _socket(api, api.token_for("wallboard"), ["board"])
    try:
        hub.on_outbox(Outbox(queues={"sales"}))
        await hub.broadcast()
        assert await _types(first) == ["board"]  # the first since the snapshot

        hub.on_outbox(Outbox(queues={"sales"}, agents={"8001"}))
        await hub.broadcast()
        assert await _types(first) == []  # nothing a page shows changed

        second = await _socket(api, api.token_for("wallboard"), ["board"])
        try:
            hub.on_outbox(Outbox(queues={"sales"}))
            await hub.broadcast()
            assert await _types(first) == []
            assert await _types(second) == ["board"]  # it had only the snapshot's

            hub.thresholds = {"sales": {"waiting_callers": {"amber": 1, "red": 2}}}
            hub.on_outbox(Outbox(queues={"sales"}))
            await hub.broadcast()
            assert await _types(first) == ["board"]
            assert await _types(second) == ["board"]
        finally:
            await second.close()
    finally:
        await first.close()


async def test_a_board_tells_when_the_oldest_change_it_shows_arrived(api: Api) -> None:
    hub = api.services.hub
    socket = await _socket(api, api.token_for("wallboard"), ["board"])
    try:
        times = iter([100.0, 200.0, 300.0])
        hub.clock = lambda: next(times, 400.0)
        (call,) = api.services.tracker.calls()[:1]
        hub.on_outbox(Outbox(calls={call.linkedid}))  # at 100: not on a board
        hub.on_outbox(Outbox(agents={"8001"}))  # at 200
        hub.on_outbox(Outbox(queues={"sales"}))
        await hub.broadcast()
        message = await socket.receive_json(timeout=5)
        assert message["type"] == "board"
        assert message["data"]["changes_since"] == 200.0
    finally:
        await socket.close()


async def test_a_board_held_back_carries_the_oldest_change_it_shows(api: Api) -> None:
    hub = api.services.hub
    socket = await _socket(api, api.token_for("wallboard"), ["board"])
    try:
        times = iter([100.0, 200.0])
        hub.clock = lambda: next(times, 300.0)
        hub.on_outbox(Outbox(agents={"8001"}))  # at 100
        await hub.broadcast(boards=False)  # the board's window is not over
        assert await _types(socket) == []
        hub.on_outbox(Outbox(queues={"sales"}))  # at 200
        await hub.broadcast()
        message = await socket.receive_json(timeout=5)
        assert message["type"] == "board"
        assert message["data"]["changes_since"] == 100.0
    finally:
        await socket.close()


async def test_boards_wait_for_their_window_and_calls_do_not(api: Api) -> None:
    hub = api.services.hub
    hub.board_interval = 3600.0
    socket = await _socket(api, api.auth, ["calls", "board"])
    running = asyncio.create_task(hub.run())
    try:
        hub.on_outbox(Outbox(queues={"sales"}))
        assert await _types(socket) == ["board"]  # no board for an hour: this one goes at once
        (call,) = api.services.tracker.calls()[:1]
        hub.thresholds = {"sales": {"waiting_callers": {"amber": 1, "red": 2}}}  # new tiles
        hub.on_outbox(Outbox(calls={call.linkedid}, queues={"sales"}))
        assert await _types(socket) == ["call"]  # the board waits for its window
        hub.board_interval = hub.interval  # the window ends: the held board goes by itself
        assert await _types(socket) == ["board"]
    finally:
        running.cancel()
        await socket.close()


@pytest.mark.parametrize("size", [10, 125, 126, 65_535, 65_536, 200_000])
async def test_frames_of_every_length_arrive_whole(api: Api, size: int) -> None:
    hub = api.services.hub
    socket = await _socket(api, api.auth, ["apply"])
    try:
        text = "应" * (size // 3) + "x" * (size % 3)  # CJK: three bytes each
        await hub.publish("apply", {"text": text})
        message = await socket.receive(timeout=5)
        assert message.type is WSMsgType.TEXT
        assert json.loads(message.data) == {"type": "apply", "data": {"text": text}}
    finally:
        await socket.close()


async def test_frame_headers() -> None:
    assert frame("ab") == b"\x81\x02ab"
    assert frame("a" * 126)[:4] == b"\x81\x7e\x00\x7e"
    assert frame("a" * 65_536)[:10] == b"\x81\x7f" + (65_536).to_bytes(8, "big")


class _Stuck:
    """A connection whose client stopped reading: everything written stays pending."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return bool(self.real.is_closing())

    def get_write_buffer_size(self) -> int:
        return MAX_PENDING + 1

    def abort(self) -> None:
        self.real.abort()


async def test_a_socket_that_does_not_read_is_closed_and_the_others_get_their_messages(
    api: Api,
) -> None:
    hub = api.services.hub
    slow = await _socket(api, api.token_for("wallboard"), ["board"])
    (stuck,) = hub.subscribers
    stuck.transport = _Stuck(stuck.transport)
    other = await _socket(api, api.token_for("wallboard"), ["board"])
    try:
        hub.on_outbox(Outbox(queues={"sales"}))
        await hub.broadcast()
        assert stuck not in hub.subscribers
        assert await _types(other) == ["board"]
        closing = await slow.receive(timeout=5)
        assert closing.type is WSMsgType.CLOSE
        assert closing.data == WSCloseCode.TRY_AGAIN_LATER
    finally:
        await slow.close()
        await other.close()


async def test_a_subscription_change_takes_effect_at_the_next_broadcast(api: Api) -> None:
    hub = api.services.hub
    socket = await _socket(api, api.token_for("wallboard"), ["figures"])
    try:
        hub.on_outbox(Outbox(queues={"sales"}))
        await hub.broadcast()
        assert await _types(socket) == []
        await socket.send_json({"subscribe": ["board"]})
        assert await _types(socket) == ["subscribed"]
        (sub,) = hub.subscribers
        assert isinstance(sub, Subscriber)
        assert sub.topics == {"board"}
        hub.on_outbox(Outbox(queues={"sales"}))
        await hub.broadcast()
        assert await _types(socket) == ["board"]
    finally:
        await socket.close()
    await asyncio.sleep(0)


async def test_principals_forgotten_and_new_ones_never_share_decisions(api: Api) -> None:
    """The hub forgets the audiences of gone sockets now and then; a socket still connected
    keeps its own, and what it may see is never decided for another principal."""
    hub = api.services.hub
    admin = await _socket(api, api.auth, ["queues"])
    try:
        hub.on_outbox(Outbox(queues={"support"}))
        await hub.broadcast()
        assert await _types(admin) == ["queue"]
        for n in range(1000):  # sockets long gone
            hub._audiences[(n, frozenset(), frozenset())] = None  # type: ignore[index,assignment]
        wallboard = await _socket(api, api.token_for("wallboard"), ["queues"])
        try:
            hub.on_outbox(Outbox(queues={"support"}))
            await hub.broadcast()
            named = (await admin.receive_json(timeout=5))["data"]["callers"]
            counted = (await wallboard.receive_json(timeout=5))["data"]["callers"]
            assert [c["caller_num"] for c in named] == ["13900002222"]
            assert [c["caller_num"] for c in counted] == [""]
            assert len(hub._audiences) < 1000
        finally:
            await wallboard.close()
    finally:
        await admin.close()
