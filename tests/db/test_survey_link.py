"""Survey answers given while the caller was still on the line meet their call, and the
agent's handling, when the history stores the call (three databases)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from controller.agi.stores import SurveyAnswer, SurveyStore
from controller.db.engine import session_factory
from controller.db.models import Call, Handling, SurveyResponse
from tests.db.reports.builder import SERVER, History, Leg, Work

AT = dt.datetime(2026, 5, 4, 2, 0, tzinfo=dt.UTC)


def test_answers_get_the_call_and_the_agents_handling(engine: Engine) -> None:
    store = SurveyStore(engine, SERVER)
    # c1: 8001 answered in sales, transferred to 8002, who hung up; the survey is about 8002.
    store.save_sync(SurveyAnswer("c1", "8002", "csat", None, 5, AT, "sales"))
    store.save_sync(SurveyAnswer("c1", "8002", "csat", 4, 5, AT, "sales"))
    # c2: offered, the caller hung up without a key.
    store.save_sync(SurveyAnswer("c2", "8001", "csat", None, 5, AT, "sales"))
    # A survey of a call the history will never hold.
    store.save_sync(SurveyAnswer("elsewhere", "8001", "csat", 5, 5, AT, "sales"))
    h = History()
    h.call("c1", "2026-05-04 09:58:00",
           Leg("sales", 10, "answered", (Work("8001", 30, transfer=True), Work("8002", 40))))  # fmt: skip
    h.call("c2", "2026-05-04 09:58:30", Leg("sales", 5, "answered", (Work("8001", 20),)))
    h.call("c3", "2026-05-04 09:59:00", Leg("sales", 50, "abandoned"))
    h.write(engine)
    with session_factory(engine)() as session:
        calls = dict(session.execute(select(Call.linkedid, Call.id)).all())
        handlings = {
            (call_id, agent): handling_id
            for handling_id, call_id, agent in session.execute(
                select(Handling.id, Handling.call_id, Handling.agent_code)
            )
        }
        rows = {
            r.linkedid: (r.call_id, r.handling_id, r.score)
            for r in session.scalars(select(SurveyResponse))
        }
    assert rows == {
        "c1": (calls["c1"], handlings[(calls["c1"], "8002")], 4),
        "c2": (calls["c2"], handlings[(calls["c2"], "8001")], None),
        "elsewhere": (None, None, 5),
    }
