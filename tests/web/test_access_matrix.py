"""Who may call what, over real HTTP: every route of the application's router declares its
access, and each shipped role is let in or refused as designed, including queue scoping (a
supervisor of sales, not support) and the agent's own calls."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from controller.access.store import UserInput, create_user
from controller.db.models import Call, Handling, Recording, User
from controller.reports.registry import REPORTS
from controller.web.access import declared
from controller.web.app import create_app
from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio

ROLES = ("admin", "supervisor", "reports", "wallboard", "agent")
ALL = frozenset(ROLES)
LIVE = frozenset({"admin", "supervisor", "agent"})  # live calls: own for the agent
STAFF = frozenset({"admin", "supervisor"})

# (method, path template) -> the roles let in (others get 403). The supervisor is narrowed
# to sales; the agent is 8001 (who serves sales and is on the talking call).
MATRIX: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/calls"): LIVE,
    ("GET", "/api/v1/calls/{linkedid}"): LIVE,
    ("GET", "/api/v1/queues"): ALL,
    ("GET", "/api/v1/queues/{name}"): ALL,
    ("GET", "/api/v1/agents"): ALL,
    ("GET", "/api/v1/agents/{code}"): ALL,
    ("GET", "/api/v1/status"): STAFF,
    ("GET", "/api/v1/me"): ALL,
    ("GET", "/api/v1/history/calls"): ALL - {"wallboard"},
    ("GET", "/api/v1/history/calls/{call_id}"): ALL - {"wallboard"},
    ("GET", "/api/v1/recordings"): frozenset({"admin", "supervisor", "reports"}),
    ("GET", "/api/v1/recordings/{recording_id}/file"): frozenset(
        {"admin", "supervisor", "reports"}
    ),
    ("DELETE", "/api/v1/recordings/{recording_id}"): frozenset({"admin"}),
    ("POST", "/api/v1/calls/originate"): LIVE,
    ("POST", "/api/v1/channels/{uniqueid}/hangup"): LIVE,
    ("POST", "/api/v1/channels/{uniqueid}/transfer"): LIVE,
    ("POST", "/api/v1/channels/{uniqueid}/transfer/cancel"): LIVE,
    ("POST", "/api/v1/channels/{uniqueid}/hold"): LIVE,
    ("POST", "/api/v1/channels/{uniqueid}/unhold"): LIVE,
    ("POST", "/api/v1/channels/{uniqueid}/spy"): STAFF,
    ("POST", "/api/v1/channels/{uniqueid}/recording"): LIVE,
    ("GET", "/api/v1/logins"): ALL,
    ("POST", "/api/v1/agents/{code}/login"): LIVE,
    ("POST", "/api/v1/agents/{code}/logout"): LIVE,
    ("POST", "/api/v1/agents/{code}/pause"): LIVE,
    ("POST", "/api/v1/agents/{code}/unpause"): LIVE,
    ("GET", "/api/v1/audit"): frozenset({"admin"}),
    ("GET", "/api/v1/calls/{linkedid}/notes"): LIVE,  # the agent: a call they are on
    ("PUT", "/api/v1/calls/{linkedid}/notes"): LIVE,
    ("GET", "/api/v1/dispositions"): ALL - {"wallboard"},
    ("POST", "/api/v1/followups"): LIVE,  # the agent: their own
    ("GET", "/api/v1/followups"): ALL - {"wallboard"},
    ("GET", "/api/v1/followups/{followup_id}"): ALL - {"wallboard"},
    ("PATCH", "/api/v1/followups/{followup_id}"): LIVE,
    ("GET", "/api/v1/webhooks"): frozenset({"admin"}),
    ("POST", "/api/v1/webhooks"): frozenset({"admin"}),
    ("GET", "/api/v1/webhooks/{endpoint_id}"): frozenset({"admin"}),
    ("PATCH", "/api/v1/webhooks/{endpoint_id}"): frozenset({"admin"}),
    ("DELETE", "/api/v1/webhooks/{endpoint_id}"): frozenset({"admin"}),
    ("GET", "/api/v1/webhooks/{endpoint_id}/deliveries"): frozenset({"admin"}),
    ("POST", "/api/v1/webhooks/{endpoint_id}/test"): frozenset({"admin"}),
    ("POST", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry"): frozenset({"admin"}),
    ("GET", "/api/v1/ws"): ALL,
    ("POST", "/api/v1/ws/ticket"): ALL,
    ("GET", "/api/v1/openapi.json"): ALL,
    ("GET", "/"): ALL,
    ("GET", "/wallboard"): frozenset({"admin", "supervisor", "wallboard"}),
    ("GET", "/supervisor"): STAFF,  # an agent holds agents.state as me. only: refused
    # The workspace is an agent's own: a principal without an agent code is refused.
    ("GET", "/agent"): frozenset({"agent"}),
    ("GET", "/agent/today"): frozenset({"agent"}),
    # Let in: the wallboard token gets its link; admin and supervisor tokens a 409 (no kiosk).
    ("POST", "/api/v1/kiosk/link"): frozenset({"admin", "supervisor", "wallboard"}),
    ("POST", "/logout"): ALL,
}
# The admin pages: config.read to look, config.apply to save and apply (admin only).
ADMIN_ONLY = frozenset({"admin"})
for _route in (("GET", "/admin"), ("GET", "/admin/objects/{section}"),
               ("GET", "/admin/objects/{section}/{key}"), ("POST", "/admin/objects/{section}/{key}"),
               ("POST", "/admin/objects/{section}/{key}/remove"), ("GET", "/admin/new/{section}"),
               ("POST", "/admin/new/{section}"), ("GET", "/admin/changes"),
               ("POST", "/admin/apply"), ("GET", "/admin/apply/state"),
               ("GET", "/admin/choices/{section}"), ("GET", "/admin/site"),
               ("POST", "/admin/site")):  # fmt: skip
    MATRIX[_route] = ADMIN_ONLY
for _route in (("GET", "/admin/users"), ("POST", "/admin/users"),
               ("POST", "/admin/users/{login}/{change}"), ("GET", "/admin/roles"),
               ("GET", "/admin/tokens"), ("POST", "/admin/tokens"),
               ("POST", "/admin/tokens/{name}/revoke"), ("GET", "/admin/audit"),
               ("GET", "/admin/users/{login}"), ("POST", "/admin/users/{login}"),
               ("POST", "/admin/users/{login}/password"), ("GET", "/admin/roles/new"),
               ("POST", "/admin/roles"), ("GET", "/admin/roles/{name}"),
               ("POST", "/admin/roles/{name}"), ("POST", "/admin/roles/{name}/delete")):  # fmt: skip
    MATRIX[_route] = ADMIN_ONLY  # users.manage, audit.read
for _route in (("GET", "/admin/prompts"), ("POST", "/admin/prompts/upload"),
               ("GET", "/admin/prompts/file")):  # fmt: skip
    MATRIX[_route] = ADMIN_ONLY  # config.read, config.apply
for _route in (("GET", "/admin/import/{section}"), ("POST", "/admin/import/{section}/preview"),
               ("POST", "/admin/import/{section}/apply")):  # fmt: skip
    MATRIX[_route] = ADMIN_ONLY  # config.apply
# Reports: reports.read in full (admin, supervisor, reports); agents (me.reports.read) only
# the reports of their own figures.
READERS = frozenset({"admin", "supervisor", "reports"})
MATRIX[("GET", "/api/v1/reports")] = READERS | {"agent"}
for _spec in REPORTS:
    _who = READERS | {"agent"} if _spec.agent_may_see else READERS
    MATRIX[("GET", f"/api/v1/reports/{_spec.name}")] = _who
    MATRIX[("GET", f"/reports/{_spec.name}/print")] = _who
    MATRIX[("GET", f"/reports/{_spec.name}")] = _who  # the report pages (pages/reports.py)
MATRIX[("GET", "/reports")] = READERS | {"agent"}
# {name} is "sales" here: no such report, a 404 for those let in (no Chromium is started).
MATRIX[("GET", "/reports/{name}/pdf")] = READERS | {"agent"}
MATRIX[("POST", "/reports/filters")] = READERS | {"agent"}  # 400: the form names no report
MATRIX[("POST", "/reports/filters/{filter_id}/delete")] = READERS | {"agent"}  # 400: no id
MATRIX[("GET", "/reports/calls/{call_id}")] = ALL - {"wallboard"}  # history.read (own)
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/kiosk")}
BODIES = {
    "/api/v1/calls/originate": {"number": "13800138000"},
    "/api/v1/channels/{uniqueid}/transfer": {"kind": "blind",
                                              "target": {"kind": "agent", "value": "8002"}},
    "/api/v1/channels/{uniqueid}/spy": {"mode": "listen", "supervisor_device": "PJSIP/1009"},
    "/api/v1/channels/{uniqueid}/recording": {"action": "start"},
    "/api/v1/agents/{code}/pause": {"reason": "break"},
    "/api/v1/calls/{linkedid}/notes": {"agent": "8001", "disposition": "resolved"},
    "/api/v1/followups": {"subject": "回电"},
    "/api/v1/followups/{followup_id}": {"status": "in_progress"},
    "/api/v1/webhooks": {"name": "matrix", "url": "http://127.0.0.1:9/"},
    "/api/v1/webhooks/{endpoint_id}": {"description": "x"},
}  # fmt: skip


def _routes(app: web.Application) -> Iterator[web.AbstractRoute]:
    for route in app.router.routes():
        if not isinstance(route.resource, web.StaticResource) and route.method != "HEAD":
            yield route


async def test_every_route_of_the_router_declares_its_access(api: Api) -> None:
    app = create_app(api.services)
    undeclared = [
        f"{r.method} {r.resource.canonical}" for r in _routes(app) if declared(r.handler) is None
    ]
    assert undeclared == []
    routed = {(r.method, r.resource.canonical) for r in _routes(app)}  # type: ignore[union-attr]
    assert routed == set(MATRIX) | PUBLIC  # every route is in the matrix below


async def test_a_route_that_declares_nothing_is_refused(api: Api) -> None:
    app = create_app(api.services)

    async def forgotten(_request: web.Request) -> web.Response:
        return web.json_response({"secret": True})

    app.router.add_get("/api/v1/forgotten", forgotten)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        response = await client.get("/api/v1/forgotten", headers=api.auth)
        assert response.status == 500
        assert "declares no access" in (await response.json())["error"]["message"]
    finally:
        await client.close()


@dataclass
class Caller:
    headers: dict[str, str]


async def _session_headers(api: Api, login: str, password: str) -> dict[str, str]:
    """Sign in through the form as a browser does; the session's cookie stays in the client's
    jar, the CSRF token goes into the headers of changes."""
    form = await (await api.client.get("/login")).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf is not None
    signed = await api.client.post(
        "/login", data={"login": login, "password": password, "csrf_token": csrf.group(1)},
        allow_redirects=False,
    )  # fmt: skip
    assert signed.status == 303, await signed.text()
    me = await (await api.client.get("/api/v1/me")).json()
    return {"X-CSRF-Token": me["csrf_token"]}


@pytest_asyncio.fixture
async def callers(api: Api) -> dict[str, Caller]:
    with api.factory() as session, session.begin():  # the database lives for the module
        if session.scalar(select(User.id).where(User.login == "lihua")) is None:
            create_user(session, UserInput("lihua", "agent password 1", "agent", agent_code="8001"))
    return {
        "admin": Caller(api.auth),
        "supervisor": Caller(api.token_for("supervisor", ["sales"])),
        "reports": Caller(api.token_for("reports")),
        "wallboard": Caller(api.token_for("wallboard")),
        "agent": Caller(await _session_headers(api, "lihua", "agent password 1")),
    }


def _concrete(api: Api, template: str) -> str:
    tracker = api.services.tracker
    talking = next(c for c in tracker.calls() if "8001" in c.agents)
    phone = next(ch for ch in talking.channels if ch.agent == "8001")
    with api.factory() as session:
        call_id = session.scalar(
            select(Call.id).join(Handling, Handling.call_id == Call.id)
            .where(Handling.agent_code == "8001").limit(1)
        )  # fmt: skip
        recording_id = session.scalar(select(Recording.id).limit(1))
    return (
        template.replace("{linkedid}", talking.linkedid)
        .replace("{uniqueid}", phone.uniqueid)
        .replace("{name}", "sales")
        .replace("{code}", "8001")
        .replace("{call_id}", str(call_id))
        .replace("{recording_id}", str(recording_id))
        .replace("{followup_id}", "1")  # let in: 200, or 404 when not one it may see
        .replace("{endpoint_id}", "999999")
        .replace("{delivery_id}", "1")  # 404 when let in
        .replace("{filter_id}", "0")  # not a row id: 400 when let in
        .replace("{section}", "queues")
        .replace("{key}", "no-such-queue")  # let in: 404, or 409 (a save of what is not there)
        .replace("{login}/{change}", "no-such-user/disable")  # let in: 404
        .replace("{login}", "no-such-user")  # let in: 404
    )


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_is_let_in_or_refused_as_designed(
    api: Api, callers: dict[str, Caller], role: str
) -> None:
    wrong = {}
    for (method, template), allowed in sorted(MATRIX.items()):
        if template == "/logout":
            continue  # would end the agent's session for the next requests
        path = _concrete(api, template)
        headers = dict(callers[role].headers)
        if role != "agent":
            api.client.session.cookie_jar.clear()  # a token alone, no session cookie
        response = await api.client.request(
            method, path, json=BODIES.get(template), headers=headers, allow_redirects=False
        )
        refused = response.status in (401, 403)
        if refused == (role in allowed):
            wrong[f"{method} {template}"] = (response.status, (await response.text())[:120])
    assert wrong == {}


async def test_a_supervisor_of_sales_cannot_touch_support(api: Api) -> None:
    sales = api.token_for("supervisor", ["sales"])
    queued = next(c for c in api.services.tracker.calls() if c.queue == "support")
    response = await api.client.get(f"/api/v1/calls/{queued.linkedid}", headers=sales)
    assert response.status == 403
    listed = await (await api.client.get("/api/v1/calls", headers=sales)).json()
    assert queued.linkedid not in [c["linkedid"] for c in listed["calls"]]
    queues = await (await api.client.get("/api/v1/queues", headers=sales)).json()
    assert [q["name"] for q in queues["queues"]] == ["sales"]
    pause = await api.client.post("/api/v1/agents/8004/pause", json={"reason": "break"},
                                  headers=sales)  # fmt: skip
    assert pause.status == 403  # 8004 serves support only
    assert "may not pause agent '8004'" in (await pause.json())["error"]["message"]


async def test_a_wallboard_sees_waiting_callers_counted_not_named(api: Api) -> None:
    board = api.token_for("wallboard")
    queue = await (await api.client.get("/api/v1/queues/support", headers=board)).json()
    assert len(queue["callers"]) == 1
    assert (queue["callers"][0]["caller_num"], queue["callers"][0]["caller_name"]) == ("", "")
    admin = await (await api.client.get("/api/v1/queues/support", headers=api.auth)).json()
    assert admin["callers"][0]["caller_num"]  # the full view has the number


async def test_only_admins_see_internal_error_texts(api: Api) -> None:
    api.services.status.update(history={"last_error": "psycopg: password for pbx at 10.0.0.5"})
    supervisor = api.token_for("supervisor")
    shown = await (await api.client.get("/api/v1/status", headers=supervisor)).json()
    assert shown["history"]["last_error"] == "present"
    full = await (await api.client.get("/api/v1/status", headers=api.auth)).json()
    assert full["history"]["last_error"].startswith("psycopg")


async def test_a_flood_of_unknown_tokens_is_slowed_down(api: Api) -> None:
    statuses = []
    for n in range(40):
        response = await api.client.get(
            "/api/v1/calls", headers={"Authorization": f"Bearer pbx_forged{n:040d}"}
        )
        statuses.append(response.status)
    assert statuses[:30] == [401] * 30
    assert set(statuses[30:]) == {429}
    # A known token from that address is slowed too while it lasts: refusals cost nothing.
    assert (await api.client.get("/api/v1/calls", headers=api.auth)).status == 429


async def _socket_messages(api: Api, headers: dict[str, str]) -> dict[str, object]:
    ticket = await (await api.client.post("/api/v1/ws/ticket", headers=headers)).json()
    socket = await api.client.ws_connect(f"/api/v1/ws?ticket={ticket['ticket']}")
    try:
        snapshot = await socket.receive_json(timeout=5)
        hub = api.services.hub
        talking = next(c for c in api.services.tracker.calls() if "8001" in c.agents)
        from controller.ami.tracker import Outbox

        hub.on_outbox(Outbox(calls={c.linkedid for c in api.services.tracker.calls()},
                             queues={"sales", "support"}))  # fmt: skip
        await hub.broadcast()
        changes = []
        while True:
            try:
                changes.append(await socket.receive_json(timeout=0.3))
            except TimeoutError:
                break
        return {"snapshot": snapshot["data"], "changes": changes, "talking": talking.linkedid}
    finally:
        await socket.close()


async def test_the_websocket_sends_each_principal_only_what_it_may_see(api: Api) -> None:
    board = await _socket_messages(api, api.token_for("wallboard"))
    snapshot = board["snapshot"]
    assert snapshot["calls"] == []  # type: ignore[index]
    assert all(c["caller_num"] == "" for q in snapshot["queues"] for c in q["callers"])  # type: ignore[index]
    assert {m["type"] for m in board["changes"]} == {"queue"}  # type: ignore[union-attr]
    sales = await _socket_messages(api, api.token_for("supervisor", ["sales"]))
    calls = [c["linkedid"] for c in sales["snapshot"]["calls"]]  # type: ignore[index]
    assert calls == [sales["talking"]]  # not the support caller
    sent = {(m["type"], m["data"].get("linkedid") or m["data"].get("name"))
            for m in sales["changes"]}  # type: ignore[union-attr]  # fmt: skip
    assert sent == {("call", sales["talking"]), ("queue", "sales")}
