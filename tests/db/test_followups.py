"""Follow-ups on every database: create from a call's facts, change with history and
versions, search by each condition, and who sees which."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.followups import service
from controller.followups.validate import (
    FollowupCreate,
    FollowupError,
    FollowupQuery,
    FollowupUpdate,
)
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE

T = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
CALL = service.CallContext("1795468478.0", ("sales",), None, "+8613800138000")


def _company(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8"), "company.yaml"))


def _create(engine: Engine, actor: str = "user lihua", **fields: object) -> service.Result:
    data = FollowupCreate.model_validate({"subject": "回电报价", **fields})
    call = CALL if fields.get("linkedid") == CALL.linkedid else None
    with session_factory(engine)() as session, session.begin():
        return service.create(
            session, data, server_id="pbx1", actor=actor, now=T, call=call, default_agent="8001"
        )


def test_a_followup_of_a_call_takes_its_queue_and_customer(engine: Engine) -> None:
    _company(engine)
    made = _create(engine, linkedid=CALL.linkedid, notes="客户要求周五前报价").followup
    assert (made["queue"], made["customer_number"], made["customer_code"]) == (
        "sales", "+8613800138000", "C10001"  # the example company's customer of that number
    )  # fmt: skip
    assert (made["assignee_agent"], made["status"], made["version"]) == ("8001", "open", 1)
    (created,) = made["history"]
    assert created["action"] == "created"
    assert created["changes"]["subject"] == [None, "回电报价"]


def test_references_that_do_not_exist_are_refused_naming_the_field(engine: Engine) -> None:
    _company(engine)
    for fields, field in (
        ({"assignee_agent": "8999"}, "assignee_agent"),
        ({"assignee_user": "nobody"}, "assignee_user"),
        ({"customer_code": "C99999"}, "customer_code"),
        ({"queue": "nosuch"}, "queue"),
        ({"linkedid": "unknown.1"}, "linkedid"),
    ):
        with pytest.raises(FollowupError) as refused:
            _create(engine, **fields)
        assert refused.value.field == field
    with pytest.raises(ValidationError, match="not both"):
        FollowupCreate(subject="x", assignee_agent="8001", assignee_user="wang.li")
    with pytest.raises(ValidationError):
        FollowupCreate(subject="   ")  # a subject says something


def test_a_change_is_kept_with_what_changed_and_an_old_version_is_refused(engine: Engine) -> None:
    _company(engine)
    made = _create(engine).followup
    later = T + dt.timedelta(hours=1)
    change = FollowupUpdate(status="in_progress", assignee_agent="8002", version=1)
    with session_factory(engine)() as session, session.begin():
        done = service.update(session, made["id"], change, actor="user wang.li", now=later,
                              visibility=service.EVERYTHING)  # fmt: skip
    assert done.changes == {"assignee_agent": ["8001", "8002"], "status": ["open", "in_progress"]}
    assert (done.followup["version"], done.followup["updated_by"]) == (2, "user wang.li")
    assert [h["action"] for h in done.followup["history"]] == ["created", "changed"]
    with session_factory(engine)() as session, session.begin(), pytest.raises(FollowupError) as old:
        service.update(session, made["id"], FollowupUpdate(status="done", version=1),
                       actor="user lihua", now=later, visibility=service.EVERYTHING)  # fmt: skip
    assert (old.value.status, old.value.field) == (409, "version")
    # The same values again: nothing changes, no history row, the version stays.
    with session_factory(engine)() as session, session.begin():
        same = service.update(session, made["id"], FollowupUpdate(status="in_progress"),
                              actor="user lihua", now=later, visibility=service.EVERYTHING)  # fmt: skip
    assert (same.changes, same.followup["version"]) == ({}, 2)


def test_search_by_each_condition_and_visibility(engine: Engine) -> None:
    _company(engine)
    first = _create(engine, subject="发票抬头有误", due_at="2026-12-04T10:00:00+08:00",
                    customer_code="C10002", queue="support")  # fmt: skip
    second = _create(engine, actor="user wang.li", subject="100% 退款 a_b", assignee_agent="8004",
                     queue="support", status="in_progress")  # fmt: skip
    third = _create(engine, linkedid=CALL.linkedid, due_at="2026-12-05T10:00:00+08:00")
    ids = [r.followup["id"] for r in (first, second, third)]

    def found(visibility: service.Visibility = service.EVERYTHING, **query: object) -> list[int]:
        with session_factory(engine)() as session:
            rows = service.search(session, FollowupQuery.model_validate(query), visibility)
        return [row["id"] for row in rows]

    assert found() == [ids[0], ids[2], ids[1]]  # soonest due first, none due last
    assert found(status="in_progress") == [ids[1]]
    assert found(assignee="8004") == [ids[1]]
    assert found(customer="C10002") == [ids[0]]
    assert found(number="+8613800138000") == [ids[2]]
    assert found(queue="sales") == [ids[2]]
    assert found(linkedid=CALL.linkedid) == [ids[2]]
    assert found(due_before="2026-12-04T12:00:00+08:00") == [ids[0]]
    assert found(text="发票") == [ids[0]]
    assert found(text="100%") == [ids[1]]  # % and _ are literal
    assert found(text="A_B") == [ids[1]]  # any case
    assert found(text="%退") == []
    assert found(limit="1", offset="1") == [ids[2]]
    # An agent sees what is assigned to them or what they created; a supervisor their queue's.
    mine = service.Visibility(agents=frozenset({"8001"}), actor="user lihua")
    assert found(mine) == [ids[0], ids[2]]
    support = service.Visibility(queues=frozenset({"support"}), actor="user zhao")
    assert found(support) == [ids[0], ids[1]]
    assert found(service.Visibility()) == []
    with session_factory(engine)() as session, pytest.raises(FollowupError) as hidden:
        service.get(session, ids[1], mine)
    assert hidden.value.status == 404
