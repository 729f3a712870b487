"""Agent login/logout/pause on every database, with a recording fake AMI."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine, select

from controller.agents.phone import phone_action
from controller.agents.service import AgentService
from controller.agents.store import AgentError
from controller.ami.protocol import Message
from controller.db.engine import session_factory
from controller.db.models import AgentLogin
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE

pytestmark = pytest.mark.asyncio


class RecordingAmi:
    """Answers Success to everything, except QueueAdd of a member that is already there."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str | int | list[str]]]] = []
        self.members: set[tuple[str, str]] = set()

    async def send(
        self,
        name: str,
        fields: dict[str, str | int | list[str]] | None = None,
        timeout: float | None = None,
    ) -> tuple[Message, list[Message]]:
        fields = fields or {}
        self.sent.append((name, fields))
        key = (str(fields.get("Queue")), str(fields.get("Interface")))
        if name == "QueueAdd":
            if key in self.members:
                return Message(
                    [("Response", "Error"), ("Message", "Unable to add interface: Already there")]
                ), []
            self.members.add(key)
        if name == "QueueRemove":
            self.members.discard(key)
        return Message([("Response", "Success")]), []

    def names(self) -> list[str]:
        return [name for name, _ in self.sent]


@pytest.fixture
def service_and_ami(engine: Engine) -> tuple[AgentService, RecordingAmi]:
    factory = session_factory(engine)
    with factory() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8"), "company.yaml"))
    ami = RecordingAmi()
    return AgentService(factory, ami), ami


async def test_login_stores_the_device_and_adds_the_member_with_its_penalty(
    service_and_ami: tuple[AgentService, RecordingAmi], engine: Engine
) -> None:
    service, ami = service_and_ami
    state = await service.login("8001")
    assert state.device == "PJSIP/1001"  # the agent's usual phone
    assert ("DBPut", {"Family": "pbx-agent", "Key": "8001", "Val": "PJSIP/1001"}) in ami.sent
    adds = [fields for name, fields in ami.sent if name == "QueueAdd"]
    assert adds
    assert {f["Interface"] for f in adds} == {"Local/8001@pbx-agent/n"}
    assert all(f["StateInterface"] == "PJSIP/1001" and f["MemberName"] == "8001" for f in adds)
    with session_factory(engine)() as session:
        assert session.scalars(select(AgentLogin.device)).all() == ["PJSIP/1001"]


async def test_pause_needs_a_configured_reason(
    service_and_ami: tuple[AgentService, RecordingAmi],
) -> None:
    service, ami = service_and_ami
    await service.login("8002", "PJSIP/1009")
    with pytest.raises(
        AgentError, match=r"pause reason 'nap' is not configured; use one of \['acw'"
    ):
        await service.pause("8002", "nap")
    state = await service.pause("8002", "lunch")
    assert (state.paused, state.pause_reason) == (True, "lunch")
    assert ami.sent[-1] == (
        "QueuePause",
        {"Interface": "Local/8002@pbx-agent/n", "Paused": "true", "Reason": "lunch"},
    )
    state = await service.unpause("8002")
    assert (state.paused, state.pause_reason) == (False, None)


async def test_pausing_an_agent_who_is_not_logged_in_is_an_error(
    service_and_ami: tuple[AgentService, RecordingAmi],
) -> None:
    service, _ = service_and_ami
    with pytest.raises(AgentError, match="agent '8003' is not logged in"):
        await service.pause("8003", "break")
    with pytest.raises(AgentError, match="agent '9999' does not exist"):
        await service.login("9999")


async def test_logout_removes_the_login_everywhere(
    service_and_ami: tuple[AgentService, RecordingAmi], engine: Engine
) -> None:
    service, ami = service_and_ami
    await service.login("8001")
    await service.logout("8001")
    assert ami.members == set()
    assert ("DBDel", {"Family": "pbx-agent", "Key": "8001"}) in ami.sent
    with session_factory(engine)() as session:
        assert session.scalars(select(AgentLogin)).all() == []


async def test_reapply_restores_logins_and_adopts_phone_logins(
    service_and_ami: tuple[AgentService, RecordingAmi], engine: Engine
) -> None:
    service, ami = service_and_ami
    await service.login("8001")
    await service.pause("8001", "break")
    ami.members.clear()  # Asterisk restarted
    ami.sent.clear()
    await service.reapply(lambda: {"8004": "PJSIP/1004"})  # 8004 logged in with *45 meanwhile
    assert "QueueAdd" in ami.names()
    assert ami.sent[-1][0] == "QueuePause"
    codes = {state.code: state.device for state in await service.logins()}
    assert codes == {"8001": "PJSIP/1001", "8004": "PJSIP/1004"}


async def test_a_login_during_the_reapply_is_not_removed_and_added_again(
    service_and_ami: tuple[AgentService, RecordingAmi],
) -> None:
    """At start-up the reapply and an agent's login race for the lock. The members must be
    read once the lock is held: a stale list made the reapply remove and re-add the agent
    who had just logged in, and a call ringing them then lost sight of their phone."""
    service, ami = service_and_ami

    def members() -> dict[str, str]:  # what the tracker knows: Asterisk's members now
        return {i.split("/")[1].split("@")[0]: "PJSIP/1001" for _, i in ami.members}

    await asyncio.gather(service.login("8001"), service.reapply(members))
    assert "QueueRemove" not in ami.names()
    assert ami.names().count("QueueAdd") == 1


async def test_the_agent_of_an_extension(
    service_and_ami: tuple[AgentService, RecordingAmi],
) -> None:
    service, _ = service_and_ami
    assert await service.agent_for_extension("1001") == "8001"
    with pytest.raises(AgentError, match="extension '1010' is no agent's phone"):
        await service.agent_for_extension("1010")


async def test_feature_codes_act_for_the_agent_at_that_extension(
    service_and_ami: tuple[AgentService, RecordingAmi],
) -> None:
    service, ami = service_and_ami
    assert await phone_action(service, "login", "1003") == "8003"
    assert ("DBPut", {"Family": "pbx-agent", "Key": "8003", "Val": "PJSIP/1003"}) in ami.sent
    await phone_action(service, "pause", "1003")
    assert ami.sent[-1][1]["Reason"] == "break"
    await phone_action(service, "unpause", "1003")
    await phone_action(service, "logout", "1003")
    assert await service.logins() == []
    with pytest.raises(AgentError, match="extension '1010' is no agent's phone"):
        await phone_action(service, "login", "1010")
    for number in ("1²03", "١٠٠٣", ""):  # not ASCII digits: no extension, no lookup
        with pytest.raises(AgentError, match="is not an extension"):
            await phone_action(service, "login", number)


def _queues_of(ami: RecordingAmi, code: str) -> set[str]:
    return {queue for queue, interface in ami.members if f"/{code}@" in interface}


async def test_an_agent_signs_in_and_out_of_one_queue_at_a_time(
    service_and_ami: tuple[AgentService, RecordingAmi], engine: Engine
) -> None:
    """8003 serves sales and support: per-queue login adds and removes one membership and
    keeps the login (the device) until the last queue is left."""
    service, ami = service_and_ami
    state = await service.login("8003", "PJSIP/1009", queues=["support"])
    assert (state.device, state.queues_out) == ("PJSIP/1009", ("sales",))
    assert _queues_of(ami, "8003") == {"support"}
    state = await service.login("8003", queues=["sales"])  # besides support, at the same phone
    assert (state.device, state.queues_out) == ("PJSIP/1009", ())
    assert _queues_of(ami, "8003") == {"sales", "support"}
    left = await service.logout("8003", queues=["sales"])
    assert left is not None
    assert left.queues_out == ("sales",)
    assert _queues_of(ami, "8003") == {"support"}
    with session_factory(engine)() as session:
        assert session.scalars(select(AgentLogin.queues_out)).all() == [["sales"]]
    assert await service.logout("8003", queues=["support"]) is None  # the last one: logged out
    assert _queues_of(ami, "8003") == set()
    assert ("DBDel", {"Family": "pbx-agent", "Key": "8003"}) in ami.sent
    with session_factory(engine)() as session:
        assert session.scalars(select(AgentLogin)).all() == []


async def test_a_queue_signed_out_of_stays_out_after_asterisk_restarts(
    service_and_ami: tuple[AgentService, RecordingAmi],
) -> None:
    service, ami = service_and_ami
    await service.login("8003")
    await service.logout("8003", queues=["support"])
    ami.members.clear()  # Asterisk restarted: it forgot every dynamic member
    await service.reapply(dict)
    assert _queues_of(ami, "8003") == {"sales"}
    state = await service.login("8003")  # a full login: every queue again
    assert state.queues_out == ()
    assert _queues_of(ami, "8003") == {"sales", "support"}


async def test_per_queue_login_names_the_queue_it_refuses(
    service_and_ami: tuple[AgentService, RecordingAmi],
) -> None:
    service, ami = service_and_ami
    with pytest.raises(AgentError, match="field queues: agent '8001' does not log in to queue "
                                         "'support'"):  # fmt: skip
        await service.login("8001", queues=["support"])
    with pytest.raises(AgentError, match="field queues: name at least one queue"):
        await service.login("8001", queues=[])
    with pytest.raises(AgentError, match="agent '8001' is not logged in"):
        await service.logout("8001", queues=["sales"])
    assert ami.sent == []  # nothing half applied
