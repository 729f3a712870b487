"""Faults under load, with the real Asterisk and the controller as its own process:

- the controller stops during a load: calls keep flowing through the dialplan fallbacks; it
  starts again, resyncs, and the history has every call that ended while it was up, once;
- the database is unreachable for 10 s during a load: no history row is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from controller.ami.session import AmiSession
from controller.config import Settings
from controller.db import models as m
from controller.db.engine import make_engine, session_factory
from controller.demo.site import DEMO_DID, DemoSite
from controller.dialplan.service import ami_credentials
from controller.loadtest.calls import CallBook, Outcome
from controller.loadtest.runner import LoadPlan, LoadRunner
from controller.sandbox import AsteriskSandbox
from tests.conftest import _server_database
from tests.integration.netfaults import CuttableProxy

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

AGENTS = 6


def _site(sandbox: AsteriskSandbox, base: Settings) -> DemoSite:
    return DemoSite(base, sandbox=sandbox, talk_seconds=2, progress=lambda _line: None)


@pytest.fixture
def borrowed(
    restart_asterisk: Callable[..., AsteriskSandbox], asterisk_sandbox: AsteriskSandbox
) -> AsteriskSandbox:
    restart_asterisk({})  # base configuration restored after the test
    return asterisk_sandbox


async def _add_agents(site: DemoSite) -> None:
    async with await AmiSession.open(ami_credentials(site.settings), events=False) as ami:
        for n in range(AGENTS):
            await ami.action(
                "QueueAdd", Queue="sales", Interface=f"Local/{9000 + n}@pbx-demo-agent/n",
                MemberName=f"load-{9000 + n}",
            )  # fmt: skip


async def _load(site: DemoSite, run_id: str, calls: int = AGENTS) -> CallBook:
    plan = LoadPlan(calls=calls, concurrency=4, did=DEMO_DID, max_seconds=120, caller_wait=30)
    async with await AmiSession.open(ami_credentials(site.settings)) as ami:
        runner = LoadRunner(ami, plan, run_id)
        ami.on_event = runner.on_event
        book = await runner.run()
    outcomes = [r.outcome for r in book.calls.values()]
    assert outcomes == [Outcome.ANSWERED] * calls, [
        (r.id, r.outcome, r.reason) for r in book.calls.values()
    ]
    return book


def _history(site: DemoSite, ids: list[str]) -> dict[str, tuple[int, int]]:
    """For each linkedid: (call rows, queue legs)."""
    engine = make_engine(site.settings.effective_database_url)
    with session_factory(engine)() as session:
        calls = dict(
            session.execute(
                select(m.Call.linkedid, func.count())
                .where(m.Call.linkedid.in_(ids))
                .group_by(m.Call.linkedid)
            ).all()
        )
        legs = dict(
            session.execute(
                select(m.Call.linkedid, func.count(m.QueueLeg.id))
                .join(m.QueueLeg, m.QueueLeg.call_id == m.Call.id)
                .where(m.Call.linkedid.in_(ids))
                .group_by(m.Call.linkedid)
            ).all()
        )
    engine.dispose()
    return {i: (calls.get(i, 0), legs.get(i, 0)) for i in ids}


async def _history_settles(
    site: DemoSite, ids: list[str], within: float = 30.0
) -> dict[str, tuple[int, int]]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        rows = _history(site, ids)
        if (
            all(row == (1, 1) for row in rows.values())
            or asyncio.get_running_loop().time() > deadline
        ):
            return rows
        await asyncio.sleep(0.5)


@pytest_asyncio.fixture
async def site(borrowed: AsteriskSandbox, tmp_path: Path) -> AsyncIterator[DemoSite]:
    demo = _site(borrowed, Settings(data_dir=tmp_path / "data"))
    try:
        await demo.start()
        await _add_agents(demo)
        yield demo
    finally:
        demo.stop()


async def test_calls_flow_without_the_controller_and_history_has_no_holes(site: DemoSite) -> None:
    before = await _load(site, "up1")
    assert site.controller is not None
    site.controller.terminate()  # by pid, like systemd would
    assert site.controller.wait(20) == 0  # a clean shutdown flushes the history
    site.controller = None

    while_down = await _load(site, "down")  # FastAGI refused: the static dialplan routes

    site._start_controller()
    await site._wait_controller()
    after = await _load(site, "up2")

    up_ids = list(before.calls) + list(after.calls)
    rows = await _history_settles(site, up_ids)
    assert rows == {i: (1, 1) for i in up_ids}  # every call once, with its queue leg
    # Calls while it was down may be partly known (a resync sees channels still up), never twice.
    assert all(calls <= 1 for calls, _ in _history(site, list(while_down.calls)).values())


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    yield from _server_database("postgresql")


async def test_database_unreachable_for_ten_seconds_loses_no_history(
    borrowed: AsteriskSandbox, tmp_path: Path, postgresql_url: str
) -> None:
    from sqlalchemy import make_url

    url = make_url(postgresql_url)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    demo = _site(borrowed, Settings(data_dir=tmp_path / "data", database_url=proxied))
    try:
        await demo.start()
        await _add_agents(demo)
        load = asyncio.create_task(_load(demo, "dbcut", calls=12))
        await asyncio.sleep(3)
        proxy.cut()
        await asyncio.sleep(10)
        proxy.restore()
        book = await load
        rows = await _history_settles(demo, list(book.calls), within=60)
        assert rows == {i: (1, 1) for i in book.calls}
    finally:
        demo.stop()
        proxy.close()
