"""Per-queue login through the API: an agent or a supervisor signs an agent in and out of
one queue at a time; a supervisor only of their own queues; a queue the agent does not log
in to is refused naming the field (a 409, as an unknown pause reason: well formed, not
this agent's)."""

from __future__ import annotations

import pytest

from tests.web.conftest import Api

pytestmark = pytest.mark.asyncio


def _queues_of(api: Api, code: str) -> set[str]:
    return {queue for queue, interface in api.agents_ami.members if f"/{code}@" in interface}


async def test_a_supervisor_signs_an_agent_out_of_their_queue_only(api: Api) -> None:
    sales = api.token_for("supervisor", ["sales"])
    login = await api.client.post("/api/v1/agents/8003/login", json={"queues": ["sales"]},
                                  headers=sales)  # fmt: skip
    assert login.status == 200, await login.text()
    assert (await login.json())["queues_out"] == ["support"]
    assert _queues_of(api, "8003") == {"sales"}

    other = await api.client.post("/api/v1/agents/8003/login", json={"queues": ["support"]},
                                  headers=sales)  # fmt: skip
    assert other.status == 403
    assert "queue 'support'" in (await other.json())["error"]["message"]
    assert _queues_of(api, "8003") == {"sales"}  # nothing applied

    both = await api.client.post("/api/v1/agents/8003/login", json={"queues": ["support"]},
                                 headers=api.auth)  # fmt: skip
    assert (await both.json())["queues_out"] == []
    out = await api.client.post("/api/v1/agents/8003/logout", json={"queues": ["sales"]},
                                headers=sales)  # fmt: skip
    assert (await out.json()) | {"logged_in_at": ""} == {
        "logged_in": True, "code": "8003", "device": "PJSIP/1003", "logged_in_at": "",
        "paused": False, "pause_reason": None, "queues_out": ["sales"],
    }  # fmt: skip
    assert _queues_of(api, "8003") == {"support"}
    last = await api.client.post("/api/v1/agents/8003/logout", json={"queues": ["support"]},
                                 headers=api.auth)  # fmt: skip
    assert await last.json() == {"logged_in": False}
    assert _queues_of(api, "8003") == set()


async def test_a_queue_the_agent_does_not_log_in_to_is_refused_naming_the_field(
    api: Api,
) -> None:
    for body, status in (({"queues": ["support"]}, 409), ({"queues": []}, 400),
                         ({"queues": ["bad name!"]}, 400)):  # fmt: skip
        answer = await api.client.post("/api/v1/agents/8001/login", json=body, headers=api.auth)
        assert answer.status == status, body
        problems = (await answer.json())["error"]["problems"]
        assert [p["field"].split(".")[0] for p in problems] == ["queues"], body
    out = await api.client.post("/api/v1/agents/8001/logout", json={"queues": ["sales"]},
                                headers=api.auth)  # fmt: skip
    assert out.status == 409  # not logged in
    assert api.agents_ami.sent == []
