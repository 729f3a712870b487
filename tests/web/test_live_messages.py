"""The websocket's messages for the live pages: the wallboard's tiles (``board``), today's
figures (``figures``) published by TodayFigures, and ``ping``/``pong``; each only of the
queues the socket's principal sees."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientWebSocketResponse
from sqlalchemy.orm import Session

from controller.ami.tracker import Outbox, ScreenPop
from controller.web.figures import TodayFigures
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class Figures:
    queue: str
    offered: int


class FakeSource:
    def __init__(self) -> None:
        self.asked: list[tuple[dt.datetime, dt.datetime, list[str] | None]] = []

    def __call__(self, session: Session, *, since: dt.datetime, until: dt.datetime,
                 queues: Collection[str] | None) -> dict[str, Any]:  # fmt: skip
        self.asked.append((since, until, None if queues is None else list(queues)))
        names = list(queues) if queues is not None else ["sales", "support"]
        return {name: Figures(name, len(name)) for name in [*names, ""]}


async def _socket(api: Api, headers: dict[str, str]) -> ClientWebSocketResponse:
    ticket = await (await api.client.post("/api/v1/ws/ticket", headers=headers)).json()
    return await api.client.ws_connect(f"/api/v1/ws?ticket={ticket['ticket']}")


async def _next(socket: ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    while True:
        message = await socket.receive_json(timeout=5)
        if message["type"] == kind:
            return message["data"]  # type: ignore[no-any-return]


async def test_a_wallboard_gets_tiles_and_figures_of_its_queues(api: Api) -> None:
    hub = api.services.hub
    hub.thresholds = {"sales": {"longest_wait_seconds": {"amber": 60, "red": 120}}}
    socket = await _socket(api, api.token_for("wallboard", ["sales"]))
    try:
        snapshot = (await socket.receive_json(timeout=5))["data"]
        assert [t["queue"] for t in snapshot["board"]["tiles"]] == ["sales", ""]
        assert snapshot["board"]["thresholds"] == {
            **hub.thresholds,
            "": {"longest_wait_seconds": {"amber": 60, "red": 120},
                 "waiting_callers": None, "service_level_percent": None},
        }  # fmt: skip
        assert snapshot["figures"] is None  # nobody computed them yet ...
        assert hub.figures_wanted.is_set()  # ... so the publisher is woken
        await socket.send_json({"subscribe": ["board", "figures"]})
        assert (await _next(socket, "subscribed"))["topics"] == ["board", "figures"]

        source = FakeSource()
        clock = dt.datetime(2026, 12, 3, 1, 30, tzinfo=dt.UTC).timestamp()  # 09:30 in Shanghai
        figures = TodayFigures(api.factory, source, lambda: ZoneInfo("Asia/Shanghai"),
                               clock=lambda: clock)  # fmt: skip
        await figures.publish_once(hub)
        data = await _next(socket, "figures")
        assert data["queues"] == {"sales": {"queue": "sales", "offered": 5},
                                  "": {"queue": "", "offered": 0}}  # fmt: skip
        assert data["since"] == "2026-12-03T00:00:00+08:00"  # the site's midnight
        assert data["computed_at"] == clock
        assert [asked[2] for asked in source.asked] == [["sales"]]  # one set: sales

        hub.on_outbox(Outbox(queues={"sales", "support"}))
        await hub.broadcast()
        tiles = (await _next(socket, "board"))["tiles"]
        assert [t["queue"] for t in tiles] == ["sales", ""]

        await socket.send_json({"ping": 7})
        pong = await _next(socket, "pong")
        assert pong["ping"] == 7
        assert pong["server_time"] > clock
    finally:
        await socket.close()


async def test_sockets_that_see_the_same_queues_share_one_computation(api: Api) -> None:
    hub = api.services.hub
    sockets = [await _socket(api, api.token_for("wallboard")) for _ in range(3)]
    sockets.append(await _socket(api, api.token_for("supervisor", ["support"])))
    try:
        for socket in sockets:
            await socket.receive_json(timeout=5)
            await socket.send_json({"subscribe": ["figures"]})
            await _next(socket, "subscribed")
        source = FakeSource()
        await TodayFigures(api.factory, source, lambda: ZoneInfo("UTC")).publish_once(hub)
        assert sorted(str(asked[2]) for asked in source.asked) == ["None", "['support']"]
        everything = await _next(sockets[0], "figures")
        assert sorted(everything["queues"]) == ["", "sales", "support"]
        support = await _next(sockets[3], "figures")
        assert sorted(support["queues"]) == ["", "support"]
    finally:
        for socket in sockets:
            await socket.close()


async def test_without_a_socket_asking_nothing_is_computed(api: Api) -> None:
    source = FakeSource()
    await TodayFigures(api.factory, source, lambda: ZoneInfo("UTC")).publish_once(api.services.hub)
    assert source.asked == []


async def test_board_messages_only_for_sockets_that_asked(api: Api) -> None:
    hub = api.services.hub
    socket = await _socket(api, api.auth)
    try:
        await socket.receive_json(timeout=5)
        hub.on_outbox(Outbox(queues={"sales"}))
        await hub.broadcast()
        assert (await socket.receive_json(timeout=5))["type"] == "queue"
        with pytest.raises(asyncio.TimeoutError):
            await socket.receive_json(timeout=0.3)  # no board: the API client did not ask
    finally:
        await socket.close()


async def test_a_failed_computation_publishes_nothing(api: Api) -> None:
    def broken(session: Session, **_: object) -> dict[str, Any]:
        raise RuntimeError("database away")

    hub = api.services.hub
    socket = await _socket(api, api.token_for("wallboard"))
    try:
        await socket.receive_json(timeout=5)
        await socket.send_json({"subscribe": ["figures"]})
        await _next(socket, "subscribed")
        figures = TodayFigures(api.factory, broken, lambda: ZoneInfo("UTC"))
        await figures.publish_once(hub)
        assert figures.failures == 1
        with pytest.raises(asyncio.TimeoutError):
            await socket.receive_json(timeout=0.3)
    finally:
        await socket.close()


async def test_a_screen_pop_goes_at_once_without_waiting_for_a_broadcast(api: Api) -> None:
    hub = api.services.hub
    socket = await _socket(api, api.auth)
    try:
        await socket.receive_json(timeout=5)
        box = Outbox()
        box.screen_pops.append(
            ScreenPop("8001", "ringing-now", 0.0, "13900002222", "", "sales", None, None, "", False)
        )
        hub.on_outbox(box)  # no hub.broadcast(): the pop is its own task
        pop = await _next(socket, "screen_pop")
        assert (pop["linkedid"], pop["agent"]) == ("ringing-now", "8001")
    finally:
        await socket.close()


async def test_one_broadcast_gives_each_principal_its_own_view_of_a_queue(api: Api) -> None:
    """The broadcast serializes a queue once per variant: the admin's copy names the caller,
    the wallboard's (sent in the same cycle) does not, whatever the order of the sockets."""
    hub = api.services.hub
    hub.clock = lambda: 1_795_468_100.0
    sockets = [await _socket(api, h) for h in (api.token_for("wallboard"), api.auth,
                                                api.token_for("wallboard"))]  # fmt: skip
    try:
        for socket in sockets:
            await socket.receive_json(timeout=5)
            await socket.send_json({"subscribe": ["queues", "board"]})
            await _next(socket, "subscribed")
        hub.on_outbox(Outbox(queues={"support"}))
        await hub.broadcast()
        seen = [await _next(socket, "queue") for socket in sockets]
        assert [[c["caller_num"] for c in q["callers"]] for q in seen] == [
            [""], ["13900002222"], [""]
        ]  # fmt: skip
        board = await _next(sockets[0], "board")
        assert board["changes_since"] == 1_795_468_100.0  # when the change reached the hub
    finally:
        for socket in sockets:
            await socket.close()


async def test_a_pop_is_looked_up_only_when_a_socket_follows_that_agent(api: Api) -> None:
    """Who gets a pop is decided per audience: a workspace following 8001 gets 8001's pop,
    not 8002's, and a pop nobody follows costs no customer lookup."""
    hub = api.services.hub
    looked_up: list[str] = []

    async def lookup(pop: ScreenPop) -> dict[str, Any]:
        looked_up.append(pop.agent)
        return {}

    hub.lookup = lookup
    socket = await _socket(api, api.auth)
    try:
        await socket.receive_json(timeout=5)
        await socket.send_json({"subscribe": ["screen_pops"], "agents": ["8001"]})
        await _next(socket, "subscribed")
        box = Outbox()
        for agent, linkedid in (("8002", "not-followed"), ("8001", "followed")):
            box.screen_pops.append(
                ScreenPop(agent, linkedid, 0.0, "13900002222", "", "sales", None, None, "", False)
            )
        hub.on_outbox(box)
        pop = await _next(socket, "screen_pop")
        assert (pop["linkedid"], pop["agent"]) == ("followed", "8001")
        with pytest.raises(asyncio.TimeoutError):
            await socket.receive_json(timeout=0.3)
        assert looked_up == ["8001"]
    finally:
        await socket.close()
