"""A real call through the sandbox Asterisk reaches a CRM's webhook receiver: the agent's phone
rings (call.ringing), the agent answers (call.answered), and after the agent saved a
disposition through the API the call ends (call.ended) with that disposition and the link to
its recording. The receiver, a plain aiohttp server on 127.0.0.1, accepts only requests whose
signature and timestamp it verifies, as docs/crm.md tells a CRM to do."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from controller.access.store import create_token
from controller.ami.session import AmiCredentials, AmiSession
from controller.config import WebhookSettings
from controller.db.engine import make_engine, session_factory, transaction
from controller.db.migrate import upgrade
from controller.db.models import Call, Recording
from controller.dialplan import service as dialplan
from controller.dialplan.apply import Outcome
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.sandbox import AsteriskSandbox
from controller.service import Controller
from controller.webhooks import signing
from tests.integration import callcenter as cc
from tests.integration.test_call_outcomes import _free_port, center_settings

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


async def test_a_call_reaches_the_crm_as_signed_ringing_answered_and_ended(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> None:
    sandbox = restart_asterisk(cc.files())
    sip_port = _free_port(socket.SOCK_DGRAM)
    settings = center_settings(sandbox, tmp_path, sip_port)
    # call.ended waits for the disposition (at most 30 s), not a minute.
    hooks = WebhookSettings(public_url=PUBLIC_URL, disposition_wait_seconds=30)
    settings = settings.model_copy(update={"webhooks": hooks})
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(company(sip_port, _free_port()), "co.yaml"))
    applied = await dialplan.apply_from_database(settings, engine)
    assert applied.report.outcome is Outcome.APPLIED, applied.report.render()
    controller = Controller(settings, engine=engine, shutdown_flush=5.0)
    with transaction(controller.factory) as session:
        token = create_token(session, "webhooks", "admin")
    account = sandbox.ami
    credentials = AmiCredentials(account.host, account.port, account.username, account.secret)
    api = f"http://127.0.0.1:{settings.api.port}/api/v1"
    auth = {"Authorization": f"Bearer {token}"}
    linkedid = cc.tag("hook")

    crm = Crm()
    app = web.Application()
    app.router.add_post("/pbx-events", crm.handle)
    receiver = TestServer(app, host="127.0.0.1")
    await receiver.start_server()
    await controller.start()
    try:
        await asyncio.wait_for(controller.live.synced.wait(), 15)
        async with ClientSession() as http:
            made = await http.post(f"{api}/webhooks", headers=auth, json={
                "name": "crm", "url": str(receiver.make_url("/pbx-events")),
                "events": ["call.ringing", "call.answered", "call.ended"],
            })  # fmt: skip
            assert made.status == 201, await made.text()
            endpoint = await made.json()
            crm.secret = endpoint["secret"]
            async with await AmiSession.open(credentials) as ami:
                # 8001 answers and talks 3 s, then hangs up; the caller would stay 20 s.
                await controller.agents.login("8001", cc.agent_device("8001", 3))
                await cc.inbound(ami, "w20@test-caller", cc.SALES_DID, "13912345678", linkedid)
                await cc.until("call.ringing at the CRM", lambda: crm.of("call.ringing", linkedid))
                await cc.until("call.answered", lambda: crm.of("call.answered", linkedid))
                await cc.until("the call in the history", lambda: _stored(controller, linkedid),
                               within=40)  # fmt: skip
            assert crm.of("call.ended", linkedid) == []  # held for the agent's disposition
            saved = await http.put(f"{api}/calls/{linkedid}/notes", headers=auth, json={
                "agent": "8001", "disposition": "quote-sent", "notes": "报价单已发",
            })  # fmt: skip
            assert saved.status == 200, await saved.text()
            await cc.until("call.ended", lambda: crm.of("call.ended", linkedid), within=15)
            log = await http.get(f"{api}/webhooks/{endpoint['id']}/deliveries", headers=auth)
            deliveries = (await log.json())["deliveries"]
    finally:
        await controller.stop()
        await receiver.close()

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
    mine = [d for d in deliveries if linkedid in d["payload"]]
    assert sorted((d["event"], d["status"], d["attempts"], d["last_status"]) for d in mine) == [
        ("call.answered", "delivered", 1, 204),
        ("call.ended", "delivered", 1, 204),
        ("call.ringing", "delivered", 1, 204),
    ]
    engine.dispose()


def _stored(controller: Controller, linkedid: str) -> Call | None:
    with session_factory(controller.engine)() as session:
        return session.scalar(select(Call).where(Call.linkedid == linkedid))
