"""Real calls through the sandbox Asterisk, then the queue report: its figures are what the
calls did (issue 13 §3: "a test with real calls ... whose report figures must equal what the
test scripted").

The sales line goes straight into the sales queue (no skills routing, no callback offer);
the queue's short-abandon threshold is 4 s and callers wait at most 10 s. Four callers:

- answered: agent 8001 answers at once and talks 3 s;
- then 8001 pauses, and three callers wait together: one hangs up after 2 s (a short
  abandon), one after 7 s (an abandon), one stays until the queue gives up at 10 s (timeout).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from controller.db.engine import session_factory
from controller.db.models import Call, QueueLeg
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest, site_zone
from controller.reports.runner import run_report
from controller.sandbox import AsteriskSandbox
from tests.integration import callcenter as cc
from tests.integration.running import running

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

SHORT_ABANDON = 4
MAX_WAIT = 10


def company(sip_port: int, dead_port: int) -> str:
    data = yaml.safe_load(cc.company(sip_port, dead_port))
    sales = next(q for q in data["queues"] if q["name"] == "sales")
    for key in ("required_skills", "callback", "overflow"):
        sales.pop(key, None)  # the call waits in Queue(), no key offer, gone after timeout
    sales["short_abandon_seconds"] = SHORT_ABANDON
    sales["service_level_seconds"] = 20
    sales["max_wait_seconds"] = MAX_WAIT
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


async def test_the_queue_report_counts_what_the_calls_did(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> None:
    sandbox = restart_asterisk(cc.files())
    answered, short, abandoned, timeout = (
        cc.tag(name) for name in ("qr-answered", "qr-short", "qr-abandoned", "qr-timeout")
    )
    async with running(sandbox, tmp_path, company) as center:
        factory = session_factory(center.controller.engine)
        agents = center.controller.agents
        await agents.login("8001", cc.agent_device("8001", 3))
        await cc.inbound(center.ami, "w20@test-caller", cc.SALES_DID, "13912345601", answered)
        await center.history(answered)
        await agents.pause("8001", "break")
        for script, number, linkedid in (
            ("w2@test-caller", "13912345602", short),
            ("w7@test-caller", "13912345603", abandoned),
            (f"w{MAX_WAIT + 20}@test-caller", "13912345604", timeout),
        ):
            await cc.inbound(center.ami, script, cc.SALES_DID, number, linkedid)
            await asyncio.sleep(0.2)
        for linkedid in (short, abandoned, timeout):
            await center.history(linkedid, within=60)

    with factory() as session:
        legs = {
            linkedid: leg
            for linkedid, leg in session.execute(
                select(Call.linkedid, QueueLeg).join(QueueLeg, QueueLeg.call_id == Call.id)
            )
        }
        started = session.scalar(select(Call.started_at).where(Call.linkedid == answered))
        assert started is not None
        tz = site_zone(session)
        today = started.astimezone(tz).date()
        window = Window(today, today, tz)
        report = run_report(session, "queues", ReportRequest(window, Interval.DAY))
        drill = run_report(session, "detail", ReportRequest(
            window, Interval.DAY, options={"figure": "abandoned", "row": "sales"}))  # fmt: skip
        short_drill = run_report(session, "detail", ReportRequest(
            window, Interval.DAY, options={"figure": "short_abandoned", "row": "sales"}))  # fmt: skip

    # What the history holds: one leg per caller, with the outcome the script gave it.
    assert set(legs) == {answered, short, abandoned, timeout}, legs
    outcomes = {linkedid: str(leg.outcome) for linkedid, leg in legs.items()}
    assert outcomes == {answered: "answered", short: "abandoned", abandoned: "abandoned",
                        timeout: "timeout"}  # fmt: skip
    waits = {linkedid: (leg.wait_ms or 0) / 1000 for linkedid, leg in legs.items()}
    assert waits[short] <= SHORT_ABANDON < waits[abandoned] < MAX_WAIT, waits
    assert MAX_WAIT - 1 <= waits[timeout] <= MAX_WAIT + 2, waits
    assert waits[answered] < 5, waits

    rows = {row["queue"]: row for row in report.rows}
    assert set(rows) == {"", "sales"}, rows
    expected = {
        "offered": 4,
        "answered": 1,
        "abandoned": 1,
        "short_abandoned": 1,
        "timeout": 1,
        "exit_key": 0,
        "no_agents": 0,
        "full": 0,
        "withdrawn": 0,
        "answered_in_sl": 1,
        "handled": 1,
        "transferred": 0,
        "callbacks_requested": 0,
        "answer_rate": 0.25,
        "abandon_rate": round(1 / 3, 4),  # abandoned ÷ (offered − short abandons)
        "sl_seconds": 20,
        "asa": round(waits[answered], 3),
        "max_wait_answered": waits[answered],
        "avg_wait_abandoned": round(waits[abandoned], 3),
        "max_wait_abandoned": waits[abandoned],
    }
    for queue in ("sales", ""):  # each call went through one queue: the center is the same
        got = {key: rows[queue][key] for key in expected}
        assert got == expected, (queue, got)
    assert rows["sales"]["closed"] == 0
    # The talk: 8001 talked about 3 s (the agent's script), no hold.
    assert 2 <= rows["sales"]["avg_talk"] <= 5, rows["sales"]
    assert rows["sales"]["avg_hold"] == 0

    # The drill-downs list exactly the calls behind the figures.
    assert drill.params["total"] == 1
    assert [r["call_id"] for r in drill.rows] == [legs[abandoned].call_id]
    assert short_drill.params["total"] == 1
    assert [r["call_id"] for r in short_drill.rows] == [legs[short].call_id]
