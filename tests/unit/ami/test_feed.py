"""AmiFeed: the filtered client, the tracker and its resync, run and stopped as one."""

from __future__ import annotations

import asyncio

import pytest

from controller.ami.live import AmiFeed, tracker_filters
from controller.ami.session import AmiCredentials, AmiLoginRefused
from tests.unit.ami.fake_ami import FakeAmi, until

pytestmark = pytest.mark.asyncio


def _feed(fake: FakeAmi, secret: str = FakeAmi.secret) -> AmiFeed:
    credentials = AmiCredentials("127.0.0.1", fake.port, "ctl", secret)  # type: ignore[attr-defined]
    return AmiFeed(credentials, "pbx1")


async def test_fresh_after_filters_and_resync_then_stops(fake: FakeAmi) -> None:
    feed = _feed(fake)
    assert not feed.fresh
    task = asyncio.create_task(feed.run())
    await until(lambda: feed.fresh)
    sent = [m["Action"] for m in fake.actions]
    # Filters first, so that the resync's events and everything after are the wanted ones.
    assert sent.count("Filter") == len(tracker_filters())
    assert max(i for i, a in enumerate(sent) if a == "Filter") < sent.index("CoreShowChannels")
    assert {"Status", "QueueStatus", "QueueSummary"} <= set(sent)
    assert feed.client.filtered
    fake.push_event([("Event", "QueueMemberAdded"), ("Queue", "sales"), ("MemberName", "8001"),
                     ("Interface", "Local/8001@pbx-agent/n"), ("Status", "1")])  # fmt: skip
    await until(lambda: feed.tracker.seat("8001") is not None)
    feed.stop()
    await asyncio.wait_for(task, 5)
    assert not feed.fresh


async def test_a_refused_login_ends_the_run_with_the_reason(fake: FakeAmi) -> None:
    feed = _feed(fake, secret="wrong")
    with pytest.raises(AmiLoginRefused, match="refused the login"):
        await asyncio.wait_for(feed.run(), 5)
