"""The screen pop carries the queue's CRM page for the call: the template of the queue's
configuration filled with this call's values, each percent-encoded; none for a queue
without one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from controller.ami.tracker import Outbox, ScreenPop
from controller.db.models import Queue
from controller.web.screenpop import customer_lookup
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


def _pop(queue: str | None, number: str = "13800138000", name: str = "王小明") -> ScreenPop:
    return ScreenPop("8001", "1795468478.0", 0.0, number, name, queue, "北京", None, "", False)


async def test_the_pop_on_the_websocket_opens_the_queues_crm_page(api: Api) -> None:
    hub = api.services.hub
    hub.lookup = customer_lookup(api.factory, "CN")
    ticket = await (await api.client.post("/api/v1/ws/ticket", headers=api.auth)).json()
    socket = await api.client.ws_connect(f"/api/v1/ws?ticket={ticket['ticket']}")
    try:
        await socket.receive_json(timeout=5)
        box = Outbox()
        box.screen_pops.append(_pop("sales"))
        hub.on_outbox(box)
        await hub.broadcast()
        pop = (await socket.receive_json(timeout=5))["data"]
    finally:
        await socket.close()
    # examples/company.yaml: https://crm.example/customer?phone={caller_e164}&call={linkedid}
    assert pop["screen_pop_url"] == (
        "https://crm.example/customer?phone=%2B8613800138000&call=1795468478.0"
    )


async def test_every_value_is_encoded_and_a_changed_template_is_used_at_once(api: Api) -> None:
    lookup = customer_lookup(api.factory, "CN")
    with api.factory() as session, session.begin():
        sales = session.scalar(select(Queue).where(Queue.name == "sales"))
        assert sales is not None
        kept = sales.screen_pop_url
        sales.screen_pop_url = "https://crm.example/p/{queue}/{agent}?n={caller_name}&r={region}"
    try:
        found = await lookup(_pop("sales", name="王 & 小/明#"))
    finally:
        with api.factory() as session, session.begin():
            sales = session.scalar(select(Queue).where(Queue.name == "sales"))
            assert sales is not None
            sales.screen_pop_url = kept
    assert found["screen_pop_url"] == (
        "https://crm.example/p/sales/8001?n=%E7%8E%8B%20%26%20%E5%B0%8F%2F%E6%98%8E%23"
        "&r=%E5%8C%97%E4%BA%AC"
    )


async def test_a_queue_without_a_template_or_a_call_without_a_queue_opens_nothing(
    api: Api,
) -> None:
    lookup = customer_lookup(api.factory, "CN")
    assert (await lookup(_pop("support")))["screen_pop_url"] is None
    assert (await lookup(_pop(None)))["screen_pop_url"] is None
