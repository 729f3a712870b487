"""callback.requested: a caller who confirms a callback becomes a pending delivery for each
endpoint that wants it, with the queue, the number, the place kept and the call that asked;
a listener that fails never reaches the caller's call."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, select

from controller.agi import rules_cache as rc
from controller.agi.callback_store import CallbackStore, RequestRow
from controller.agi.callbacks import CallbackService
from controller.agi.service import dialable
from controller.ami.tracker import Tracker
from controller.config import WebhookSettings
from controller.db.engine import session_factory
from controller.db.models.webhooks import WebhookDelivery
from controller.webhooks import store
from controller.webhooks.service import WebhookService
from controller.webhooks.validate import EndpointCreate
from tests.db.test_agi_stores import NOW, FakeAmi, _import


@pytest.mark.asyncio(loop_scope="function")
async def test_a_confirmed_callback_is_sent_as_callback_requested(engine: Engine) -> None:
    _import(engine)
    rules = rc.load_rules(engine)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        for name, events in (("crm", ["callback.requested"]), ("other", ["call.ended"])):
            data = EndpointCreate(name=name, url=f"https://crm.example/{name}", events=events)
            store.create_endpoint(session, data, NOW)
    callbacks = CallbackService(CallbackStore(engine, "default"), FakeAmi(), lambda: rules,
                                lambda: NOW, dialable)  # fmt: skip
    hooks = WebhookService(factory, WebhookSettings(), "pbx1", Tracker("pbx1"))
    told: list[int] = []

    def broken(row: RequestRow) -> None:
        told.append(row.id)
        raise RuntimeError("a listener's bug")

    callbacks.on_confirmed += [broken, hooks.callback_requested]
    row = await callbacks.register("sales", "+8613900001111", 3, 10, "1700.7")
    assert hooks.status()["emitted"] == 0  # asked, not confirmed yet
    callbacks.confirm(row)  # the broken listener does not stop the next one
    assert told == [row.id]
    await hooks.store_buffer()
    await callbacks.stop()

    with factory() as session:
        (delivery,) = session.scalars(select(WebhookDelivery)).all()
        crm = store.find_endpoint(session, "crm")
    assert (delivery.endpoint_id, delivery.event) == (crm.id, "callback.requested")
    body = json.loads(delivery.payload)
    expires = dt.datetime.fromisoformat(body["data"].pop("expires_at"))
    assert body["data"] == {"id": row.id, "queue": "sales", "number": "+8613900001111",
                            "position": 3, "linkedid": "1700.7"}  # fmt: skip
    assert expires > NOW
    assert body["event"] == "callback.requested"
