"""A real outbound call through the sandbox Asterisk is rated from the trunk tariffs when the
history stores it, and the cost report shows it.

The phone dials a mobile number; least-cost routing puts voip-backup (0.12/min in 6-s steps,
0.05 setup) before telecom (0.20/min in 60-s steps, whose port refuses anyway); voip-backup
is Asterisk itself on loopback, where the number reaches a voicemail box that answers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from controller.db.engine import session_factory
from controller.db.models import Call, CallChannel
from controller.db.models.rating import CallCharge
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest, site_zone
from controller.reports.runner import run_report
from controller.sandbox import AsteriskSandbox
from tests.integration import callcenter as cc
from tests.integration.running import running

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]

MOBILE = "13800138000"


def company(sip_port: int, dead_port: int) -> str:
    data = yaml.safe_load(cc.company(sip_port, dead_port))
    trunks = {t["name"]: t for t in data["trunks"]}
    trunks["telecom"]["tariffs"] = [{"prefix": "", "per_minute": "0.2"}]
    trunks["voip-backup"]["tariffs"] = [
        {"prefix": "+861", "per_minute": "0.12", "increment_seconds": 6, "connection_fee": "0.05"}
    ]
    # Where the call lands on loopback: a voicemail box answers it.
    data["inbound_routes"].append({"name": "loop", "did": MOBILE, "destination": "voicemail:1010"})
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


async def test_an_outbound_call_is_rated_and_reported(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> None:
    sandbox = restart_asterisk(cc.files())
    linkedid = cc.tag("cost")
    async with running(sandbox, tmp_path, company) as center:
        factory = session_factory(center.controller.engine)

        def charged() -> list[CallCharge]:
            with factory() as session:
                return list(session.scalars(select(CallCharge)))

        # The phone talks 4 s once the far end answers, then hangs up.
        await cc.from_phone(center.ami, f"Local/{MOBILE}@pbx-phones", linkedid, seconds=4)
        await center.until("the call rated in the history", charged, within=40)

    with factory() as session:
        (charge,) = session.scalars(select(CallCharge)).all()  # the loopback leg is inbound
        call = session.get(Call, charge.call_id)
        assert call is not None
        assert call.linkedid == linkedid
        trunk_leg = session.scalars(
            select(CallChannel).where(CallChannel.uniqueid == charge.channel_uid)
        ).one()
    assert trunk_leg.channel.startswith("PJSIP/voip-backup-")
    assert trunk_leg.answered_at is not None
    assert trunk_leg.ended_at is not None
    duration_ms = round((trunk_leg.ended_at - trunk_leg.answered_at).total_seconds() * 1000)
    assert 3000 <= duration_ms <= 6000
    assert (charge.trunk, charge.route, charge.number_e164) == (
        "voip-backup", "domestic", "+8613800138000",
    )  # fmt: skip
    assert charge.duration_ms == pytest.approx(duration_ms, abs=1)
    # 4 s answered -> one 6-s step: 0.05 + 0.12 × 6/60 = 0.062; telecom would bill a whole
    # minute at 0.20: saved 0.138.
    assert (charge.billed_seconds, charge.cost_units) == (6, 620)
    assert (charge.dearest_trunk, charge.dearest_units) == ("telecom", 2000)

    with factory() as session:
        tz = site_zone(session)
        today = call.started_at.astimezone(tz).date()
        report = run_report(session, "cost", ReportRequest(Window(today, today, tz), Interval.DAY))
    total = next(r for r in report.rows if r["trunk"] == "")
    assert (total["calls"], total["cost"], total["saving"]) == (1, "0.0620", "0.1380")
