"""The load generator's own AMI session asks Asterisk only for what its call book reads."""

from __future__ import annotations

from typing import cast

import pytest

from controller.ami.filters import allows
from controller.ami.session import AmiSession
from controller.loadtest.calls import EVENTS, CallBook
from controller.loadtest.runner import LoadPlan, LoadRunner

PLAN = LoadPlan(calls=3, concurrency=1, did="+8675586009999")


def _runner(run_id: str = "load17") -> LoadRunner:
    return LoadRunner(cast(AmiSession, None), PLAN, run_id=run_id)


def _event(kind: str, uid: str, **fields: str) -> dict[str, str]:
    return {"Event": kind, "Uniqueid": uid, **fields}


def test_only_the_books_events_about_our_callers_pass() -> None:
    filters = _runner().event_filters()
    assert {f.name for f in filters} == set(EVENTS)
    assert allows(filters, _event("Hangup", "load17-2"))
    assert allows(filters, _event("AgentConnect", "load17-10", MemberName="load-9000"))
    assert not allows(filters, _event("Hangup", "load17-2-caller"))  # the simulated caller's half
    assert not allows(filters, _event("Hangup", "load170-2"))  # another run
    assert not allows(filters, _event("Hangup", "1795000000.12"))  # an agent's channel
    assert not allows(filters, _event("Newexten", "load17-2", Application="Queue"))


def test_the_book_decides_the_same_from_the_filtered_stream() -> None:
    stream = [
        (_event("Newchannel", "load17-1"), 10.0),
        (_event("VarSet", "load17-1", Variable="QUEUENAME"), 11.0),
        (_event("QueueCallerJoin", "load17-1", Queue="sales"), 12.0),
        (_event("AgentConnect", "load17-1", MemberName="load-9000"), 13.0),
        (_event("Hangup", "load17-1-caller"), 19.0),
        (_event("Hangup", "load17-1"), 20.0),
        (_event("QueueCallerJoin", "load17-2", Queue="sales"), 12.0),
        (_event("QueueCallerAbandon", "load17-2"), 30.0),
        (_event("Hangup", "load17-2"), 30.0),
        (_event("Hangup", "load17-3", **{"Cause-txt": "Normal Clearing"}), 15.0),
    ]
    filters = _runner().event_filters()
    books = CallBook(), CallBook()
    for book in books:
        for n in (1, 2, 3):
            book.sent(f"load17-{n}", 10.0)
    for event, at in stream:
        books[0].on_event(event, at)
        if allows(filters, event):
            books[1].on_event(event, at)
    assert books[0].calls == books[1].calls


def test_run_ids_are_plain_names() -> None:
    with pytest.raises(ValueError, match="run id"):
        _runner("load.*")
