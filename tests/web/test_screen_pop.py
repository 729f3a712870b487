"""A screen pop carries the customer record and the caller's last calls with who took them
(whoever the agent is: the pop gives what me.history.read would not)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from controller.ami.tracker import Outbox, ScreenPop
from controller.db.models import Call
from controller.web.screenpop import customer_lookup
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


async def test_the_pop_has_the_customer_and_the_last_calls(api: Api) -> None:
    with api.factory() as session:
        number = session.scalar(select(Call.caller_number).where(Call.caller_e164.is_not(None)))
        assert number
        expected = session.scalars(select(Call.linkedid).where(Call.caller_number == number))
        expected_ids = set(expected)
    hub = api.services.hub
    hub.lookup = customer_lookup(api.factory, "CN")
    ticket = await (await api.client.post("/api/v1/ws/ticket", headers=api.auth)).json()
    socket = await api.client.ws_connect(f"/api/v1/ws?ticket={ticket['ticket']}")
    try:
        await socket.receive_json(timeout=5)
        box = Outbox()
        box.screen_pops.append(
            ScreenPop("8001", "new-call", 0.0, number, "", "sales", "北京", None, "", False)
        )
        hub.on_outbox(box)
        await hub.broadcast()
        pop = (await socket.receive_json(timeout=5))["data"]
    finally:
        await socket.close()
    assert pop["region"] == "北京"
    assert {c["linkedid"] for c in pop["last_calls"]} == expected_ids
    first = pop["last_calls"][0]
    assert set(first) == {"linkedid", "started_at", "direction", "outcome", "queue", "agents"}
    assert any(c["agents"] for c in pop["last_calls"])


async def test_an_unknown_caller_has_no_record_and_no_calls(api: Api) -> None:
    lookup = customer_lookup(api.factory, "CN")
    found = await lookup(
        ScreenPop("8001", "x", 0.0, "13012345678", "", "sales", None, None, "", False)
    )
    assert (found["customer"], found["last_calls"]) == (None, [])
