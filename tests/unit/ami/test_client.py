"""The long-lived AMI client against a scripted AMI server on a real socket."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from controller.ami.client import AmiClient
from controller.ami.protocol import Message
from controller.ami.session import AmiCredentials, AmiError, AmiLoginRefused
from tests.unit.ami.fake_ami import FakeAmi, until

pytestmark = pytest.mark.asyncio


class Running:
    def __init__(self, fake: FakeAmi, secret: str = FakeAmi.secret, **options: float) -> None:
        self.events: list[Message] = []
        self.connected = 0
        credentials = AmiCredentials("127.0.0.1", fake.port, "ctl", secret)  # type: ignore[attr-defined]
        self.client = AmiClient(
            credentials, self.on_event, on_connected=self.on_connected, min_backoff=0.01,
            max_backoff=0.05, **options,
        )  # fmt: skip
        self.task = asyncio.create_task(self.client.run())
        self.raise_in_handler = False

    def on_event(self, message: Message, _at: float) -> None:
        self.events.append(message)
        if self.raise_in_handler:
            raise RuntimeError("a bug in a handler")

    async def on_connected(self, client: AmiClient) -> None:
        self.connected += 1

    async def close(self) -> None:
        self.client.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, 5)


async def test_wrong_credentials_fail_once_with_a_clear_error(fake: FakeAmi) -> None:
    running = Running(fake, secret="wrong")
    with pytest.raises(AmiLoginRefused, match="refused the login of user 'ctl'"):
        await asyncio.wait_for(running.task, 5)
    assert len(fake.sent("Login")) == 1
    assert not running.client.connected


async def test_actions_wait_for_the_login(fake: FakeAmi) -> None:
    credentials = AmiCredentials("127.0.0.1", fake.port, "ctl", "right-secret")  # type: ignore[attr-defined]
    client = AmiClient(credentials, lambda m, at: None)
    pending = asyncio.create_task(client.action("Ping"))
    await asyncio.sleep(0.05)
    assert not pending.done()  # nothing is sent before the login
    task = asyncio.create_task(client.run())
    response = await asyncio.wait_for(pending, 5)
    assert response["Ping"] == "Pong"
    actions = [m["Action"] for m in fake.actions]
    assert actions.index("Login") < actions.index("Ping")
    client.stop()
    await asyncio.wait_for(task, 5)


async def test_a_failing_event_handler_keeps_the_connection(fake: FakeAmi) -> None:
    running = Running(fake)
    await until(lambda: running.connected == 1)
    running.raise_in_handler = True
    fake.push_event([("Event", "Newchannel"), ("Uniqueid", "1")])
    fake.push_event([("Event", "Newchannel"), ("Uniqueid", "2")])
    await until(lambda: len([e for e in running.events if e["Event"] == "Newchannel"]) == 2)
    assert fake.logins == 1
    assert running.client.connected
    assert running.client.events_received == len(running.events)  # counted, failed or not
    await running.close()


async def test_a_dropped_connection_reconnects_and_resyncs_again(fake: FakeAmi) -> None:
    running = Running(fake)
    await until(lambda: running.connected == 1)
    fake.drop_all()
    await until(lambda: running.connected == 2)
    assert fake.logins == 2
    await running.close()


async def test_keepalive_drops_a_half_open_connection(fake: FakeAmi) -> None:
    running = Running(fake, keepalive_interval=0.05, keepalive_timeout=0.1)
    await until(lambda: running.connected == 1)
    fake.answer_pings = False  # the peer is gone without a FIN: nothing answers
    await until(lambda: running.client.keepalive_failures >= 1)
    fake.answer_pings = True
    await until(lambda: running.connected >= 2)
    await running.close()


async def test_originate_is_always_async_with_a_fixed_channel_id(fake: FakeAmi) -> None:
    running = Running(fake)
    await running.client.wait_connected(5)
    await running.client.originate(
        "click-1", Channel="PJSIP/1001", Context="pbx-phones", Exten="13800138000",
        Priority=1, Async="false",
    )  # fmt: skip
    (sent,) = fake.sent("Originate")
    assert (sent["Async"], sent["ChannelId"], sent["OtherChannelId"]) == (
        "true", "click-1", "click-1-2",
    )  # fmt: skip
    await running.close()


@pytest.mark.parametrize(("exists", "expected_sends"), [(True, 1), (False, 2)])
async def test_an_originate_cut_by_a_reconnect_is_not_duplicated(
    fake: FakeAmi, exists: bool, expected_sends: int
) -> None:
    running = Running(fake, action_timeout=2)
    await running.client.wait_connected(5)
    fake.hold_originate = True  # Asterisk got it, but the answer is lost with the link
    originate = asyncio.create_task(
        running.client.originate("cb-7", Channel="Local/1@x", Application="Wait", Data="1")
    )
    await until(lambda: len(fake.sent("Originate")) == 1)
    if exists:
        fake.channels.add("cb-7")
    fake.hold_originate = False
    fake.drop_all()
    await asyncio.wait_for(originate, 5)
    assert len(fake.sent("Originate")) == expected_sends
    assert {m["ChannelId"] for m in fake.sent("Originate")} == {"cb-7"}
    await running.close()


async def test_actions_fail_clearly_when_asterisk_is_away() -> None:
    credentials = AmiCredentials("127.0.0.1", 9, "ctl", "x")
    client = AmiClient(credentials, lambda m, at: None, action_timeout=0.2, min_backoff=0.05)
    task = asyncio.create_task(client.run())
    with pytest.raises(AmiError, match=r"AMI at 127\.0\.0\.1:9 is not connected"):
        await client.action("Ping")
    client.stop()
    await asyncio.wait_for(task, 5)
