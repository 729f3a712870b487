"""Webhook endpoints over HTTP (admins): the secret shown once, changes audited, a test send
to a real receiver with its outcome in the delivery log, a failed delivery queued again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from controller.db.models import AuditEvent
from controller.webhooks import signing
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[TestServer, list[web.Request], list[bytes]]]:
    requests: list[web.Request] = []
    bodies: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        requests.append(request)
        bodies.append(await request.read())
        return web.Response(status=204 if request.path == "/ok" else 500, text="")

    app = web.Application()
    app.router.add_post("/{path}", handle)
    server = TestServer(app)
    await server.start_server()
    try:
        yield server, requests, bodies
    finally:
        await server.close()


async def test_add_test_send_and_read_the_log(
    api: Api, receiver: tuple[TestServer, list[web.Request], list[bytes]]
) -> None:
    server, requests, bodies = receiver
    url = str(server.make_url("/ok"))
    made = await api.client.post(
        "/api/v1/webhooks", json={"name": "crm-a", "url": url, "events": ["call.ended"]},
        headers=api.auth,
    )  # fmt: skip
    assert made.status == 201, await made.text()
    endpoint = await made.json()
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    path = f"/api/v1/webhooks/{endpoint['id']}"
    shown = await (await api.client.get(path, headers=api.auth)).json()
    assert "secret" not in shown
    listed = await (await api.client.get("/api/v1/webhooks", headers=api.auth)).json()
    assert all("secret" not in e for e in listed["endpoints"])
    tested = await (await api.client.post(f"{path}/test", headers=api.auth)).json()
    assert (tested["delivered"], tested["status"], tested["error"]) == (True, 204, None)
    request = requests[-1]
    assert signing.verify(secret, request.headers["X-Pbx-Timestamp"], bodies[-1],
                          request.headers["X-Pbx-Signature"], now=float(
                              request.headers["X-Pbx-Timestamp"]))  # fmt: skip
    log = await (await api.client.get(f"{path}/deliveries", headers=api.auth)).json()
    (entry,) = log["deliveries"]
    assert (entry["event"], entry["status"], entry["test"], entry["last_status"]) == (
        "ping", "delivered", True, 204
    )  # fmt: skip
    with api.factory() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == "crm-a")
        ).all()
    assert sorted(actions) == ["webhook.create", "webhook.test"]


async def test_a_failed_test_send_says_why_and_can_be_queued_again(
    api: Api, receiver: tuple[TestServer, list[web.Request], list[bytes]]
) -> None:
    server, _requests, _bodies = receiver
    made = await api.client.post(
        "/api/v1/webhooks", json={"name": "crm-b", "url": str(server.make_url("/down"))},
        headers=api.auth,
    )  # fmt: skip
    path = f"/api/v1/webhooks/{(await made.json())['id']}"
    tested = await (await api.client.post(f"{path}/test", headers=api.auth)).json()
    assert (tested["delivered"], tested["status"]) == (False, 500)
    assert tested["error"].startswith("HTTP 500")
    retried = await api.client.post(
        f"{path}/deliveries/{tested['delivery_id']}/retry", headers=api.auth
    )
    queued = await retried.json()
    assert (queued["status"], queued["id"], "_name" in queued) == (
        "pending", tested["delivery_id"], False
    )  # fmt: skip
    with api.factory() as session:
        audited = session.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "webhook.retry")
        ).all()
    assert audited == ["crm-b"]
    pending = await (await api.client.get(f"{path}/deliveries?status=pending",
                                          headers=api.auth)).json()  # fmt: skip
    assert [d["id"] for d in pending["deliveries"]] == [tested["delivery_id"]]


async def test_change_rotate_and_remove(api: Api) -> None:
    made = await api.client.post(
        "/api/v1/webhooks", json={"name": "crm-c", "url": "https://crm.example/h",
                                  "secret": "a-secret-of-enough-length-123"},
        headers=api.auth,
    )  # fmt: skip
    endpoint = await made.json()
    assert endpoint["secret"] == "a-secret-of-enough-length-123"
    path = f"/api/v1/webhooks/{endpoint['id']}"
    changed = await api.client.patch(
        path, json={"enabled": False, "queues": ["sales"], "rotate_secret": True},
        headers=api.auth,
    )  # fmt: skip
    shown = await changed.json()
    assert (shown["enabled"], shown["queues"]) == (False, ["sales"])
    assert shown["secret"].startswith("whsec_")
    plain = await (await api.client.patch(path, json={"enabled": True}, headers=api.auth)).json()
    assert "secret" not in plain
    gone = await api.client.delete(path, headers=api.auth)
    assert gone.status == 200
    assert (await api.client.get(path, headers=api.auth)).status == 404


async def test_bad_endpoints_are_refused_naming_the_field(api: Api) -> None:
    for body, status, field in (
        ({"name": "x", "url": "ftp://crm.example/"}, 400, "url"),
        ({"name": "x", "url": "https://user:pw@crm.example/"}, 400, "url"),
        ({"name": "x", "url": "https://crm.example/", "events": ["call.rang"]}, 400, "events"),
        ({"name": "x", "url": "https://crm.example/", "secret": "short"}, 400, "secret"),
        ({"name": "Bad Name", "url": "https://crm.example/"}, 400, "name"),
    ):
        response = await api.client.post("/api/v1/webhooks", json=body, headers=api.auth)
        error = (await response.json())["error"]
        assert response.status == status, error
        assert error["problems"][0]["field"] == field, error
    await api.client.post("/api/v1/webhooks", json={"name": "dup", "url": "https://a.example/"},
                          headers=api.auth)  # fmt: skip
    again = await api.client.post("/api/v1/webhooks", json={"name": "dup",
                                                            "url": "https://a.example/"},
                                  headers=api.auth)  # fmt: skip
    assert again.status == 409
    supervisor = api.token_for("supervisor")
    assert (await api.client.get("/api/v1/webhooks", headers=supervisor)).status == 403
