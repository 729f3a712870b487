"""A real call through the sandbox Asterisk: the agent hangs up, the caller presses 4 for the
sales queue's survey, and the answer is in the history with the call and the agent who
handled it; the satisfaction and agent reports show it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from controller.ami.protocol import Message
from controller.db.engine import session_factory
from controller.db.models import Call, Handling, SurveyResponse
from controller.reports.calendar import Interval, Window
from controller.reports.request import ReportRequest, site_zone
from controller.reports.runner import run_report
from controller.sandbox import AsteriskSandbox
from tests.integration import callcenter as cc
from tests.integration.running import Running, running

pytestmark = [pytest.mark.asterisk, pytest.mark.asyncio(loop_scope="function")]


def company(sip_port: int, dead_port: int) -> str:
    data = yaml.safe_load(cc.company(sip_port, dead_port))
    sales = next(q for q in data["queues"] if q["name"] == "sales")
    sales.pop("required_skills", None)  # no skills routing: the call waits in Queue()
    sales["survey"] = {
        "prompts": {"zh": "beep", "en": "beep"},
        "thanks_prompts": {"zh": "beep"},
        "scale": 5,
        "timeout_seconds": 15,
        "retries": 0,
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


async def _until(what: str, center: Running, match: Callable[[Message], bool]) -> Message:
    found = await center.until(what, lambda: next((e for e in center.events if match(e)), None),
                               30)  # fmt: skip
    assert isinstance(found, Message)
    return found


async def test_a_caller_answers_the_survey_after_the_agent_hangs_up(
    restart_asterisk: Callable[..., AsteriskSandbox], tmp_path: Path
) -> None:
    sandbox = restart_asterisk(cc.files())
    linkedid = cc.tag("survey")
    async with running(sandbox, tmp_path, company) as center:
        factory = session_factory(center.controller.engine)
        # 8001 answers and talks 3 s, then hangs up; the caller would stay 40 s.
        await center.controller.agents.login("8001", cc.agent_device("8001", 3))
        await cc.inbound(center.ami, "w40@test-caller", cc.SALES_DID, "13912345678", linkedid)
        script = await _until("the caller's script half", center, lambda e: (
            e.get("Event") == "Newchannel" and e.get("Uniqueid") == linkedid + "-b"))  # fmt: skip
        await _until("the survey question", center, lambda e: (
            e.get("Event") == "Newexten" and e.get("Uniqueid") == linkedid
            and e.get("Context") == "pbx-survey-sales"
            and e.get("Application") == "Read"))  # fmt: skip
        # The caller presses 4: DTMF from the script's half reaches the caller's half.
        await center.ami.action("PlayDTMF", Channel=script.get("Channel", ""), Digit="4")
        await center.history(linkedid)

    with factory() as session:
        call = session.scalar(select(Call).where(Call.linkedid == linkedid))
        assert call is not None
        (answer,) = session.scalars(select(SurveyResponse)).all()
        handling = session.get(Handling, answer.handling_id)
        assert handling is not None
    assert (answer.linkedid, answer.queue_name, answer.agent_code) == (linkedid, "sales", "8001")
    assert (answer.score, answer.scale_max, answer.question) == (4, 5, "csat")
    assert answer.call_id == call.id
    assert (handling.call_id, handling.agent_code) == (call.id, "8001")
    assert call.outcome == "answered"

    with factory() as session:
        tz = site_zone(session)
        today = call.started_at.astimezone(tz).date()
        window = Window(today, today, tz)
        sat = run_report(session, "satisfaction", ReportRequest(window, Interval.DAY)).rows
        agents = run_report(session, "agents", ReportRequest(window, Interval.DAY)).rows
    sales = next(r for r in sat if r["queue"] == "sales")
    assert (sales["offered"], sales["answered"], sales["average"], sales["score_4"]) == (
        1, 1, 4.0, 1,
    )  # fmt: skip
    agent = next(r for r in agents if r["agent"] == "8001")
    assert (agent["surveys"], agent["satisfaction"]) == (1, 4.0)
