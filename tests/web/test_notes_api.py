"""Notes and dispositions over HTTP: the agent who is or was on a call saves theirs, a
supervisor reads and corrects those of their queues, the disposition is one the call's queue
offers, and the history's call detail shows them."""

from __future__ import annotations

import pytest
import pytest_asyncio
from sqlalchemy import select

from controller.access.store import UserInput, create_user
from controller.db.models import Call, User
from tests.web.conftest import Api
from tests.web.test_access_matrix import _session_headers

pytestmark = pytest.mark.asyncio

SALES = ["resolved", "quote-sent", "follow-up", "wrong-number"]  # examples/company.yaml


@pytest_asyncio.fixture
async def agent(api: Api) -> dict[str, str]:
    """A browser session of agent 8001 (who talks on the live sales call)."""
    with api.factory() as session, session.begin():
        if session.scalar(select(User.id).where(User.login == "lihua")) is None:
            create_user(session, UserInput("lihua", "agent password 1", "agent", agent_code="8001"))
    return await _session_headers(api, "lihua", "agent password 1")


def _talking(api: Api) -> str:
    return next(c.linkedid for c in api.services.tracker.calls() if "8001" in c.agents)


async def test_the_agent_on_a_live_call_saves_and_reads_their_note(
    api: Api, agent: dict[str, str]
) -> None:
    linkedid = _talking(api)
    body = {"disposition": "quote-sent", "notes": "报价单已发\n客户下周回电"}
    saved = await api.client.put(f"/api/v1/calls/{linkedid}/notes", json=body, headers=agent)
    assert saved.status == 200, await saved.text()
    note = await saved.json()
    assert (note["agent"], note["disposition"], note["disposition_label"]) == (
        "8001", "quote-sent", "已报价"
    )  # fmt: skip
    assert note["updated_by"] == "user lihua"
    shown = await (await api.client.get(f"/api/v1/calls/{linkedid}/notes", headers=agent)).json()
    assert [n["notes"] for n in shown["notes"]] == ["报价单已发\n客户下周回电"]
    assert [d["code"] for d in shown["dispositions"]] == SALES
    assert (shown["agents"], shown["queues"]) == (["8001"], ["sales"])
    # Saved again: replaced, not added.
    body = {"disposition": None, "notes": ""}
    again = await api.client.put(f"/api/v1/calls/{linkedid}/notes", json=body, headers=agent)
    assert (await again.json())["disposition"] is None
    shown = await (await api.client.get(f"/api/v1/calls/{linkedid}/notes", headers=agent)).json()
    assert len(shown["notes"]) == 1


async def test_a_disposition_the_queue_does_not_offer_is_refused_naming_the_field(
    api: Api, agent: dict[str, str]
) -> None:
    linkedid = _talking(api)
    for code, status in (("complaint", 409), ("no-such", 409), ("Bad Code", 400)):
        response = await api.client.put(
            f"/api/v1/calls/{linkedid}/notes", json={"disposition": code}, headers=agent
        )
        error = (await response.json())["error"]
        assert response.status == status, error
        assert [p["field"] for p in error["problems"]] == ["disposition"], error
    too_long = await api.client.put(
        f"/api/v1/calls/{linkedid}/notes", json={"notes": "x" * 4001}, headers=agent
    )
    assert too_long.status == 400


async def test_an_agent_may_not_write_on_a_call_they_were_not_on(
    api: Api, agent: dict[str, str]
) -> None:
    waiting = next(c.linkedid for c in api.services.tracker.calls() if c.queue == "support")
    response = await api.client.put(
        f"/api/v1/calls/{waiting}/notes", json={"notes": "x"}, headers=agent
    )
    assert response.status == 403
    as_other = await api.client.put(
        f"/api/v1/calls/{_talking(api)}/notes", json={"agent": "8002"}, headers=agent
    )
    assert as_other.status == 403
    unknown = await api.client.get("/api/v1/calls/no-such-call/notes", headers=agent)
    assert unknown.status == 404


async def test_notes_of_a_finished_call_reach_the_history_detail(
    api: Api, agent: dict[str, str]
) -> None:
    # The transferred call: 8001 took it, then 8002; both may write their own note.
    with api.factory() as session:
        call_id = session.scalar(select(Call.id).where(Call.linkedid == "1795468460.0"))
    saved = await api.client.put(
        "/api/v1/calls/1795468460.0/notes",
        json={"disposition": "follow-up", "notes": "转给 8002"},
        headers=agent,
    )
    assert saved.status == 200, await saved.text()
    supervisor = api.token_for("supervisor", ["sales"])
    for_8002 = await api.client.put(
        "/api/v1/calls/1795468460.0/notes",
        json={"agent": "8002", "disposition": "resolved"},
        headers=supervisor,
    )
    assert for_8002.status == 200, await for_8002.text()
    detail = await (await api.client.get(f"/api/v1/history/calls/{call_id}", headers=agent)).json()
    assert {(n["agent"], n["disposition"]) for n in detail["notes"]} == {
        ("8001", "follow-up"), ("8002", "resolved")
    }  # fmt: skip


async def test_a_supervisor_names_an_agent_who_handled_the_call(api: Api) -> None:
    supervisor = api.token_for("supervisor", ["sales"])
    path = "/api/v1/calls/cust-1/notes"
    nobody = await api.client.put(path, json={"notes": "x"}, headers=supervisor)
    assert nobody.status == 409
    assert (await nobody.json())["error"]["problems"][0]["field"] == "agent"
    stranger = await api.client.put(path, json={"agent": "8004"}, headers=supervisor)
    assert stranger.status == 409
    support = api.token_for("supervisor", ["support"])
    assert (await api.client.get(path, headers=support)).status == 403
    assert (await api.client.get(path, headers=supervisor)).status == 200


async def test_the_dispositions_of_a_queue_or_all(api: Api) -> None:
    sales = await (
        await api.client.get("/api/v1/dispositions?queue=sales", headers=api.auth)
    ).json()
    assert [d["code"] for d in sales["dispositions"]] == SALES
    every = await (await api.client.get("/api/v1/dispositions", headers=api.auth)).json()
    assert len(every["dispositions"]) == 5  # support offers them all
