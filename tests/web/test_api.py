"""The HTTP API with aiohttp's test client: auth on everything, JSON errors, every area."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from aiohttp import WSServerHandshakeError

from controller.access.store import revoke_token
from controller.web.access import declared as declared_access
from controller.web.openapi import OPERATIONS
from controller.web.screenpop import customer_lookup
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


def _concrete(path: str) -> str:
    return (
        path.replace("{linkedid}", "x").replace("{name}", "sales").replace("{code}", "8001")
        .replace("{call_id}", "1").replace("{recording_id}", "1").replace("{uniqueid}", "x")
        .replace("{followup_id}", "1").replace("{endpoint_id}", "1").replace("{delivery_id}", "1")
    )  # fmt: skip


async def test_every_endpoint_refuses_anonymous_and_bad_tokens(api: Api) -> None:
    for op in OPERATIONS:
        # More than 30 operations: the flood throttle would answer 429 (tested on its own).
        api.services.auth.bad_tokens.forget("127.0.0.1")
        for headers in ({}, {"Authorization": "Bearer pbx_not-a-real-token"},
                        {"Authorization": "Basic dXNlcjpwYXNz"}):  # fmt: skip
            response = await api.client.request(op.method, _concrete(op.path), headers=headers)
            assert response.status == 401, (op.method, op.path, headers)
            error = (await response.json())["error"]
            assert error["code"] == "unauthenticated"


async def test_a_revoked_token_stops_working(api: Api) -> None:
    assert (await api.client.get("/api/v1/calls", headers=api.auth)).status == 200
    with api.factory() as session, session.begin():
        revoke_token(session, api.token_name)
    response = await api.client.get("/api/v1/calls", headers=api.auth)
    assert response.status == 401
    assert (await response.json())["error"]["message"] == "the token is unknown or revoked"


async def test_openapi_documents_every_route_with_the_scopes_it_declares(api: Api) -> None:
    response = await api.client.get("/api/v1/openapi.json", headers=api.auth)
    document = await response.json()
    declared = {
        (route.method.lower(), route.resource.canonical): access  # type: ignore[union-attr]
        for route in api.client.app.router.routes()  # type: ignore[union-attr]
        if (access := declared_access(route.handler)) is not None
        and route.resource is not None
        and route.resource.canonical.startswith("/api/")  # the HTML pages are not the API
        and route.method != "HEAD"
    }
    operations = {
        (method, path): op for path, ops in document["paths"].items() for method, op in ops.items()
    }
    websocket = document["x-websocket"]
    operations[("get", websocket["path"])] = websocket  # OpenAPI cannot describe a websocket
    assert set(operations) == set(declared)
    for key, access in declared.items():
        assert operations[key]["x-required-scopes"] == [scope.value for scope in access.scopes]
        for scope in access.scopes:
            assert f"`{scope}`" in operations[key]["description"], key
    assert document["paths"]["/api/v1/calls/originate"]["post"]["requestBody"]


async def test_every_schema_the_document_references_is_in_it(api: Api) -> None:
    document = await (await api.client.get("/api/v1/openapi.json", headers=api.auth)).json()
    text = json.dumps(document)
    references = set(re.findall(r'"\$ref": "([^"]+)"', text))
    assert references, "the document uses components"
    for reference in references:
        assert reference.startswith("#/components/schemas/"), reference
        assert reference.rsplit("/", 1)[1] in document["components"]["schemas"], reference
    assert "$defs" not in text


async def test_live_calls_queues_and_agents(api: Api) -> None:
    calls = (await (await api.client.get("/api/v1/calls", headers=api.auth)).json())["calls"]
    assert {c["state"] for c in calls} == {"talking", "queued"}
    talking = next(c for c in calls if c["state"] == "talking")
    one = await api.client.get(f"/api/v1/calls/{talking['linkedid']}", headers=api.auth)
    assert (await one.json())["agents"] == ["8001"]
    queue = await (await api.client.get("/api/v1/queues/support", headers=api.auth)).json()
    assert [c["caller_num"] for c in queue["callers"]] == ["13900002222"]
    agents = (await (await api.client.get("/api/v1/agents", headers=api.auth)).json())["agents"]
    assert {a["agent"]: a["state"] for a in agents} == {"8001": "on_call", "8002": "paused"}
    missing = await api.client.get("/api/v1/calls/nope", headers=api.auth)
    assert missing.status == 404
    assert (await missing.json())["error"]["message"] == "no live call with linkedid 'nope'"


async def test_history_search_and_detail(api: Api) -> None:
    got = await api.client.get("/api/v1/history/calls", params={"agent": "8002"}, headers=api.auth)
    calls = (await got.json())["calls"]
    assert [(c["outcome"], c["source"]) for c in calls] == [("transferred", "live")]
    detail = await (
        await api.client.get(f"/api/v1/history/calls/{calls[0]['id']}", headers=api.auth)
    ).json()
    assert [h["agent"] for h in detail["handlings"]] == ["8001", "8002"]
    assert detail["legs"][0]["answered_by_agent"] == "8001"
    by_number = await api.client.get(
        "/api/v1/history/calls", params={"number": "+8613900001111", "outcome": "abandoned"},
        headers=api.auth,
    )  # fmt: skip
    assert [c["outcome"] for c in (await by_number.json())["calls"]] == ["abandoned"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-11-23T10:00:00"}, "since"),  # no time zone
        ({"limit": "0"}, "limit"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_malformed_history_queries_name_the_field(
    api: Api, params: dict[str, str], field: str
) -> None:
    response = await api.client.get("/api/v1/history/calls", params=params, headers=api.auth)
    assert response.status == 400
    error = (await response.json())["error"]
    assert [p["field"] for p in error["problems"]] == [field]
    assert field in error["message"]


async def test_recording_search_and_download(api: Api) -> None:
    response = await api.client.get(
        "/api/v1/recordings", params={"agent": "8001", "since": "2026-01-01T00:00:00+08:00"},
        headers=api.auth,
    )  # fmt: skip
    recordings = (await response.json())["recordings"]
    assert recordings
    answered = next(r for r in recordings if r["path"].endswith("/cust-1.wav"))
    missing = await api.client.get(f"/api/v1/recordings/{answered['id']}/file", headers=api.auth)
    assert missing.status == 404
    target = api.services.recordings_dir / answered["path"]
    target.parent.mkdir(parents=True)
    target.write_bytes(b"RIFF....WAVE")
    found = await api.client.get(f"/api/v1/recordings/{answered['id']}/file", headers=api.auth)
    assert found.status == 200
    assert await found.read() == b"RIFF....WAVE"
    assert "cust-1.wav" in found.headers["Content-Disposition"]
    bad = await api.client.get("/api/v1/recordings/abc/file", headers=api.auth)
    assert (await bad.json())["error"]["problems"][0]["field"] == "recording_id"


async def test_click_to_call(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/calls/originate", headers=api.auth,
        json={"number": "13800138000", "device": "PJSIP/1001", "agent": "8001",
              "request_id": "crm-42"},
    )  # fmt: skip
    assert response.status == 202
    uid = (await response.json())["uniqueid"]
    name, fields = api.fake_ami.sent[-1]
    assert name == "Originate"
    assert (fields["ChannelId"], fields["Channel"], fields["Exten"]) == (uid, "PJSIP/1001",
                                                                          "13800138000")  # fmt: skip
    assert fields["Variable"] == ["__PBX_AGENT=8001"]
    again = await api.client.post(
        "/api/v1/calls/originate", headers=api.auth,
        json={"number": "13800138000", "device": "PJSIP/1001", "request_id": "crm-42"},
    )  # fmt: skip
    assert (await again.json())["uniqueid"] == uid  # same request id, same ChannelId


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"number": "call me", "device": "PJSIP/1001"}, 400, "number"),
        ({"number": "1001", "device": "PJSIP/1001", "extra": 1}, 400, "extra"),
        ({"number": "1001"}, 400, "device"),
        ({"number": "1001", "agent": "8003"}, 409, "device"),  # not logged in
    ],
)
async def test_malformed_originate_requests(
    api: Api, body: dict[str, object], status: int, field: str
) -> None:
    response = await api.client.post("/api/v1/calls/originate", json=body, headers=api.auth)
    assert response.status == status
    assert [p["field"] for p in (await response.json())["error"]["problems"]] == [field]


async def test_bodies_must_be_json(api: Api) -> None:
    response = await api.client.post("/api/v1/calls/originate", data="number=1", headers=api.auth)
    assert response.status == 415
    broken = await api.client.post(
        "/api/v1/calls/originate",
        data="{",
        headers={**api.auth, "Content-Type": "application/json"},
    )
    assert broken.status == 400
    assert "not valid JSON" in (await broken.json())["error"]["message"]


async def test_channel_actions_resolve_the_uniqueid(api: Api) -> None:
    call = next(c for c in api.services.tracker.calls() if c.state == "talking")
    agent_leg = next(ch for ch in call.channels if ch.agent == "8001")
    response = await api.client.post(
        f"/api/v1/channels/{agent_leg.uniqueid}/transfer", headers=api.auth,
        json={"kind": "blind", "target": {"kind": "agent", "value": "8002"}},
    )  # fmt: skip
    assert response.status == 200
    assert api.fake_ami.sent[-1] == (
        "BlindTransfer", {"Channel": agent_leg.name, "Context": "pbx-agent", "Exten": "8002"},
    )  # fmt: skip
    unknown = await api.client.post("/api/v1/channels/nope/hangup", headers=api.auth)
    assert unknown.status == 404
    assert (await unknown.json())["error"]["message"] == "channel 'nope' is not live"
    bad = await api.client.post(
        f"/api/v1/channels/{agent_leg.uniqueid}/transfer", headers=api.auth,
        json={"target": {"kind": "planet", "value": "mars"}},
    )  # fmt: skip
    assert [p["field"] for p in (await bad.json())["error"]["problems"]] == ["target.kind"]
    record = await api.client.post(
        f"/api/v1/channels/{call.linkedid}/recording", json={"action": "start"}, headers=api.auth
    )
    assert (await record.json())["path"].endswith(f"/{call.linkedid}.wav")


async def test_agent_login_pause_with_reason(api: Api) -> None:
    login = await api.client.post("/api/v1/agents/8005/login", headers=api.auth)
    assert (await login.json())["device"] == "PJSIP/1005"
    bad = await api.client.post(
        "/api/v1/agents/8005/pause", json={"reason": "nap"}, headers=api.auth
    )
    assert bad.status == 409
    assert (await bad.json())["error"]["problems"][0]["field"] == "reason"
    empty = await api.client.post("/api/v1/agents/8005/pause", json={}, headers=api.auth)
    assert [p["field"] for p in (await empty.json())["error"]["problems"]] == ["reason"]
    ok = await api.client.post("/api/v1/agents/8005/pause", json={"reason": "break"},
                               headers=api.auth)  # fmt: skip
    assert (await ok.json())["pause_reason"] == "break"
    unknown = await api.client.post("/api/v1/agents/0000/login", headers=api.auth)
    assert unknown.status == 404
    await api.client.post("/api/v1/agents/8005/logout", headers=api.auth)


async def test_unknown_paths_and_methods_are_json_errors(api: Api) -> None:
    response = await api.client.get("/api/v1/nothing", headers=api.auth)
    assert response.status == 404
    assert "openapi.json" in (await response.json())["error"]["message"]
    wrong = await api.client.delete("/api/v1/calls", headers=api.auth)
    assert wrong.status == 405


async def test_websocket_snapshot_changes_and_screen_pops(api: Api) -> None:
    # A long-lived token in the URL ends up in logs: refused; a one-use ticket is the way.
    with pytest.raises(WSServerHandshakeError):
        await api.client.ws_connect(f"/api/v1/ws?access_token={api.token}")
    ticket = await (await api.client.post("/api/v1/ws/ticket", headers=api.auth)).json()
    socket = await api.client.ws_connect(f"/api/v1/ws?ticket={ticket['ticket']}")
    with pytest.raises(WSServerHandshakeError):  # one use only
        await api.client.ws_connect(f"/api/v1/ws?ticket={ticket['ticket']}")
    snapshot = await socket.receive_json(timeout=5)
    assert snapshot["type"] == "snapshot"
    assert len(snapshot["data"]["calls"]) == 2
    await socket.send_str("{not json")
    assert (await socket.receive_json(timeout=5))["type"] == "error"
    await socket.send_json({"subscribe": ["calls", "screen_pops"], "agents": ["8001"]})
    assert (await socket.receive_json(timeout=5))["type"] == "subscribed"
    hub = api.services.hub
    hub.lookup = customer_lookup(api.factory, "CN")
    task = asyncio.create_task(hub.run())
    try:
        from controller.ami.tracker import Outbox, ScreenPop

        linkedid = api.services.tracker.calls()[0].linkedid
        (subscriber,) = hub.subscribers
        subscriber.calls.add("gone-1")  # a call it was sent, which has ended since
        box = Outbox(calls={linkedid, "gone-1"})
        box.screen_pops.append(
            ScreenPop("8001", linkedid, 0.0, "13800138000", "", "sales", None, None, "", False)
        )
        hub.on_outbox(box)
        received = [await socket.receive_json(timeout=5) for _ in range(3)]
        by_type = {m["type"]: m["data"] for m in received}
        assert sorted(by_type) == ["call", "call_ended", "screen_pop"]
        customer = by_type["screen_pop"]["customer"]
        assert (customer["code"], customer["name"], customer["vip"]) == ("C10001", "赵明", True)
    finally:
        task.cancel()
        await socket.close()
