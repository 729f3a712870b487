"""A real call through the sandbox Asterisk reaches a CRM's webhook receiver: the agent's phone
rings (call.ringing), the agent answers (call.answered), and after the agent saved a
disposition through the API the call ends (call.ended) with that disposition and the link to
its recording; a caller who asks for a callback and confirms it is a callback.requested. The receiver, a plain aiohttp server on 127.0.0.1, accepts only requests whose
signature and timestamp it verifies, as docs/crm.md tells a CRM to do."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from controller.ami.session import AmiSession
from controller.config import Settings, WebhookSettings
from controller.db.engine import session_factory
from controller.db.models import Call, Recording
from controller.sandbox import AsteriskSandbox
from controller.service import Controller
from controller.webhooks import signing
from tests.integration import callcenter as cc
from tests.integration.running import Running, running

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

PUBLIC_URL = "https://pbx.example.test"


def company(sip_port: int, dead_port: int) -> str:
    data = yaml.safe_load(cc.company(sip_port, dead_port))
    sales = next(q for q in data["queues"] if q["name"] == "sales")
    sales.pop("required_skills", None)  # no skills routing: Queue() rings the agent
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@dataclass
class Crm:
    """A CRM's receiver: verifies each request as a receiver must, keeps the good ones."""

    secret: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        stamp = request.headers.get(signing.TIMESTAMP_HEADER, "")
        given = request.headers.get(signing.SIGNATURE_HEADER, "")
        if not signing.verify(self.secret, stamp, body, given, now=time.time()):
            self.refused.append(given)
            return web.Response(status=401, text="bad signature")
        event = json.loads(body)
        assert request.headers[signing.EVENT_HEADER] == event["event"]
        self.events.append(event)
        return web.Response(status=204)

    def of(self, kind: str, linkedid: str) -> list[dict[str, Any]]:
        return [
            e for e in self.events if e["event"] == kind and e["data"].get("linkedid") == linkedid
        ]


@dataclass
class Center:
    """The sandbox call center with ``pbxctl serve``'s controller running, and a receiver."""

    running: Running
    crm: Crm
    receiver: TestServer

    @property
    def controller(self) -> Controller:
        return self.running.controller

    @property
    def ami(self) -> AmiSession:
        return self.running.ami

    @property
    def api(self) -> str:
        return self.running.base + "/api/v1"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.running.token}"}

    async def add_endpoint(self, http: ClientSession, events: list[str]) -> dict[str, Any]:
        made = await http.post(f"{self.api}/webhooks", headers=self.auth, json={
            "name": "crm", "url": str(self.receiver.make_url("/pbx-events")), "events": events,
        })  # fmt: skip
        assert made.status == 201, await made.text()
        endpoint: dict[str, Any] = await made.json()
        self.crm.secret = endpoint["secret"]
        return endpoint


def _with_webhooks(settings: Settings) -> Settings:
    # call.ended waits for the disposition (at most 30 s), not a minute.
    hooks = WebhookSettings(public_url=PUBLIC_URL, disposition_wait_seconds=30)
    return settings.model_copy(update={"webhooks": hooks})


@asynccontextmanager
async def with_crm(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> AsyncIterator[Center]:
    sandbox = restart_asterisk(cc.files())
    crm = Crm()
    app = web.Application()
    app.router.add_post("/pbx-events", crm.handle)
    receiver = TestServer(app, host="127.0.0.1")
    await receiver.start_server()
    try:
        async with running(sandbox, tmp_path, company, configure=_with_webhooks) as center:
            yield Center(center, crm, receiver)
    finally:
        await receiver.close()


async def test_a_call_reaches_the_crm_as_signed_ringing_answered_and_ended(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> None:
    linkedid = cc.tag("hook")
    async with with_crm(restart_asterisk, tmp_path) as center:
        controller, crm, api, auth = center.controller, center.crm, center.api, center.auth
        engine = controller.engine
        async with ClientSession() as http:
            endpoint = await center.add_endpoint(
                http, ["call.ringing", "call.answered", "call.ended"]
            )
            # 8001 answers and talks 3 s, then hangs up; the caller would stay 20 s.
            await controller.agents.login("8001", cc.agent_device("8001", 3))
            await cc.inbound(center.ami, "w20@test-caller", cc.SALES_DID, "13912345678", linkedid)
            await cc.until("call.ringing at the CRM", lambda: crm.of("call.ringing", linkedid))
            await cc.until("call.answered", lambda: crm.of("call.answered", linkedid))
            await center.running.history(linkedid)
            assert crm.of("call.ended", linkedid) == []  # held for the agent's disposition
            saved = await http.put(f"{api}/calls/{linkedid}/notes", headers=auth, json={
                "agent": "8001", "disposition": "quote-sent", "notes": "报价单已发",
            })  # fmt: skip
            assert saved.status == 200, await saved.text()
            await cc.until("call.ended", lambda: crm.of("call.ended", linkedid), within=15)
            # The log says so once each answer is recorded (just after the receiver had it).
            for _ in range(100):
                log = await http.get(f"{api}/webhooks/{endpoint['id']}/deliveries", headers=auth)
                deliveries = [d for d in (await log.json())["deliveries"]
                              if linkedid in d["payload"]]  # fmt: skip
                if {d["status"] for d in deliveries} == {"delivered"}:
                    break
                await asyncio.sleep(0.1)

    assert crm.refused == []
    (ringing,) = crm.of("call.ringing", linkedid)
    (answered,) = crm.of("call.answered", linkedid)
    (ended,) = crm.of("call.ended", linkedid)
    assert (ringing["data"]["agent"], ringing["data"]["queue"]) == ("8001", "sales")
    assert ringing["data"]["caller_number"] == "13912345678"
    assert (answered["data"]["agents"], answered["data"]["queue"]) == (["8001"], "sales")
    assert ringing["created_at"] <= answered["created_at"] <= ended["created_at"]
    data = ended["data"]
    assert (data["outcome"], data["agents"], data["queues"]) == ("answered", ["8001"], ["sales"])
    assert data["dispositions"] == [
        {"agent": "8001", "disposition": "quote-sent", "disposition_label": "已报价",
         "notes": "报价单已发"}
    ]  # fmt: skip
    with session_factory(engine)() as session:
        call = session.scalar(select(Call).where(Call.linkedid == linkedid))
        assert call is not None
        recordings = session.scalars(select(Recording).where(Recording.call_id == call.id)).all()
    assert data["call_id"] == call.id
    assert recordings, "the sales queue records every call"
    assert sorted(r["url"] for r in data["recordings"]) == sorted(
        f"{PUBLIC_URL}/api/v1/recordings/{r.id}/file" for r in recordings
    )
    # The delivery log has each of them delivered at the first attempt.
    assert sorted(
        (d["event"], d["status"], d["attempts"], d["last_status"]) for d in deliveries
    ) == [
        ("call.answered", "delivered", 1, 204),
        ("call.ended", "delivered", 1, 204),
        ("call.ringing", "delivered", 1, 204),
    ]


async def test_a_confirmed_callback_reaches_the_crm_as_callback_requested(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> None:
    linkedid = cc.tag("hook-cb")
    async with with_crm(restart_asterisk, tmp_path) as center:
        crm, tracker = center.crm, center.controller.tracker
        async with ClientSession() as http:
            await center.add_endpoint(http, ["callback.requested"])
        # Nobody is logged in; behind one waiting caller, this one presses 5, then 1.
        await cc.inbound(center.ami, "w15@test-caller", cc.SALES_DID, "13012340001",
                         cc.tag("hook-waiter"))  # fmt: skip
        await cc.until("the waiter queued", lambda: (q := tracker.queue("sales")) and q.callers)
        await cc.inbound(center.ami, "s@test-cb-caller", cc.SALES_DID, "13912340009", linkedid)
        await cc.until("callback.requested at the CRM",
                       lambda: crm.of("callback.requested", linkedid), within=60)  # fmt: skip

    assert crm.refused == []
    assert [e["event"] for e in crm.events] == ["callback.requested"]  # nothing it did not want
    (requested,) = crm.of("callback.requested", linkedid)
    data = requested["data"]
    assert (data["queue"], data["position"]) == ("sales", 2)  # the place behind the waiter
    assert data["number"].endswith("13912340009")
    assert data["expires_at"] > requested["created_at"]
