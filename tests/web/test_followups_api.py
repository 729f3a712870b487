"""Follow-ups over HTTP: an agent creates one from the call in hand and sees their own; a
supervisor sees and changes those of their queues; every creation and change reaches the
CRM hooks; the history of changes is readable."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from controller.access.store import UserInput, create_user
from controller.db.models import User
from tests.web.conftest import Api
from tests.web.test_access_matrix import _session_headers

pytestmark = pytest.mark.asyncio


class Hooks:
    def __init__(self) -> None:
        self.followups: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.notes: list[dict[str, Any]] = []

    def note_saved(self, note: dict[str, Any]) -> None:
        self.notes.append(note)

    def followup_changed(self, followup: dict[str, Any], changes: dict[str, Any]) -> None:
        self.followups.append((followup, changes))


@pytest_asyncio.fixture
async def agent(api: Api) -> dict[str, str]:
    with api.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == "lihua")) is None:
            create_user(session, UserInput("lihua", "agent password 1", "agent", agent_code="8001"))
    return await _session_headers(api, "lihua", "agent password 1")


def _talking(api: Api) -> str:
    return next(c.linkedid for c in api.services.tracker.calls() if "8001" in c.agents)


async def test_an_agent_creates_a_followup_of_the_call_in_hand(
    api: Api, agent: dict[str, str]
) -> None:
    hooks = Hooks()
    api.services.crm = hooks
    body = {
        "linkedid": _talking(api),
        "subject": "周五前回电报价",
        "due_at": "2026-12-04T10:00:00+08:00",
    }
    made = await api.client.post("/api/v1/followups", json=body, headers=agent)
    assert made.status == 201, await made.text()
    followup = await made.json()
    assert (followup["queue"], followup["assignee_agent"], followup["created_by"]) == (
        "sales", "8001", "user lihua"
    )  # fmt: skip
    assert followup["due_at"] == "2026-12-04T02:00:00+00:00"
    (sent, changes) = hooks.followups[-1]
    assert sent["id"] == followup["id"]
    assert changes["status"] == [None, "open"]
    mine = await (await api.client.get("/api/v1/followups?status=open", headers=agent)).json()
    assert followup["id"] in [f["id"] for f in mine["followups"]]
    # Of a call the agent was not on: refused.
    waiting = next(c.linkedid for c in api.services.tracker.calls() if c.queue == "support")
    other = await api.client.post("/api/v1/followups", json={"linkedid": waiting, "subject": "x"},
                                  headers=agent)  # fmt: skip
    assert other.status == 403


async def test_a_supervisor_of_the_queue_changes_it_and_the_history_says_so(
    api: Api, agent: dict[str, str]
) -> None:
    hooks = Hooks()
    api.services.crm = hooks
    body = {"linkedid": _talking(api), "subject": "核对订单"}
    followup = await (await api.client.post("/api/v1/followups", json=body, headers=agent)).json()
    path = f"/api/v1/followups/{followup['id']}"
    support = api.token_for("supervisor", ["support"])
    assert (await api.client.get(path, headers=support)).status == 404
    sales = api.token_for("supervisor", ["sales"])
    change = {"status": "in_progress", "assignee_agent": "8002", "version": 1}
    changed = await api.client.patch(path, json=change, headers=sales)
    assert changed.status == 200, await changed.text()
    stale = await api.client.patch(path, json={"status": "done", "version": 1}, headers=sales)
    assert stale.status == 409
    assert (await stale.json())["error"]["problems"][0]["field"] == "version"
    detail = await (await api.client.get(path, headers=agent)).json()  # 8001 created it
    assert [h["action"] for h in detail["history"]] == ["created", "changed"]
    assert detail["history"][1]["changes"]["assignee_agent"] == ["8001", "8002"]
    assert detail["history"][1]["actor"].startswith("token ")
    assert [c for _, c in hooks.followups][-1] == {
        "assignee_agent": ["8001", "8002"], "status": ["open", "in_progress"]
    }  # fmt: skip


async def test_bad_input_is_refused_naming_the_field(api: Api) -> None:
    for body, status, field in (
        ({"subject": "x", "assignee_agent": "8999"}, 409, "assignee_agent"),  # valid, unknown
        ({"subject": "x", "customer_code": "C99999"}, 409, "customer_code"),
        ({"subject": "x", "linkedid": "no.such"}, 404, None),  # no such call
        ({"subject": "x", "due_at": "tomorrow"}, 400, "due_at"),
        ({"subject": ""}, 400, "subject"),
        ({"subject": "x", "status": "closed"}, 400, "status"),
    ):
        response = await api.client.post("/api/v1/followups", json=body, headers=api.auth)
        error = (await response.json())["error"]
        assert response.status == status, error
        if field is not None:
            assert field in [p["field"] for p in error["problems"]], error
    missing = await api.client.get("/api/v1/followups/999999", headers=api.auth)
    assert missing.status == 404
    made = await api.client.post("/api/v1/followups", json={"subject": "x"}, headers=api.auth)
    path = f"/api/v1/followups/{(await made.json())['id']}"
    empty = await api.client.patch(path, json={}, headers=api.auth)
    assert (empty.status, (await empty.json())["version"]) == (200, 1)  # nothing changed
    null = await api.client.patch(path, json={"status": None}, headers=api.auth)
    assert null.status == 400


async def test_a_supervisor_sees_what_they_created_and_what_their_queues_have(api: Api) -> None:
    sales = api.token_for("supervisor", ["sales"])
    made = await api.client.post(
        "/api/v1/followups", json={"subject": "交接给售后", "queue": "support"}, headers=sales
    )
    assert made.status == 201
    followup = await made.json()
    support = api.token_for("supervisor", ["support"])
    theirs = await (await api.client.get("/api/v1/followups", headers=support)).json()
    assert followup["id"] in [f["id"] for f in theirs["followups"]]
    mine = await (await api.client.get("/api/v1/followups", headers=sales)).json()
    assert followup["id"] in [f["id"] for f in mine["followups"]]
    other = api.token_for("supervisor", ["sales"])
    seen = await (await api.client.get("/api/v1/followups", headers=other)).json()
    assert followup["id"] not in [f["id"] for f in seen["followups"]]
