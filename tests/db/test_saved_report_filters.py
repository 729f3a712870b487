"""Saved report filters on every database: save, replace by name, list per user and report,
delete only one's own, deleted with the user, refusals naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, delete

from controller.access.store import UserInput, create_user, sync_builtin_roles
from controller.db.engine import session_factory
from controller.db.models import User
from controller.web import saved_filters as store

T = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def _users(engine: Engine) -> tuple[int, int]:
    with session_factory(engine)() as session, session.begin():
        sync_builtin_roles(session)
        one = create_user(session, UserInput("manager.one", "a long passphrase", "reports"))
        two = create_user(session, UserInput("manager.two", "a long passphrase", "reports"))
        session.flush()
        return one.id, two.id


def test_a_filter_is_saved_replaced_listed_and_deleted_per_user(engine: Engine) -> None:
    one, two = _users(engine)
    factory = session_factory(engine)
    query = {"period": "last_week", "queue": ["sales", "售后"], "interval": "hour"}
    with factory() as session, session.begin():
        first = store.save_filter(session, one, "queues", "  销售  上周 ", query, T)
        store.save_filter(session, one, "agents", "销售 上周", {"period": "today"}, T)
        store.save_filter(session, two, "queues", "销售 上周", {"period": "today"}, T)
    assert (first.name, first.query) == ("销售 上周", query)
    with factory() as session, session.begin():
        again = store.save_filter(session, one, "queues", "销售 上周", {"period": "yesterday"},
                                  T + dt.timedelta(hours=1))  # fmt: skip
    assert again.id == first.id  # the same name replaces
    with factory() as session:
        mine = store.list_filters(session, one, "queues")
        assert [(f.name, f.query) for f in mine] == [("销售 上周", {"period": "yesterday"})]
        assert [f.report for f in store.list_filters(session, one)] == ["agents", "queues"]
        assert store.get_filter(session, two, first.id) is None
    with factory() as session, session.begin():
        assert store.delete_filter(session, two, first.id) is None  # not theirs
        assert store.delete_filter(session, one, first.id) is not None
    with factory() as session, session.begin():
        assert store.list_filters(session, one, "queues") == []
        session.execute(delete(User).where(User.id == two))
    with factory() as session:
        assert store.list_filters(session, two) == []  # gone with the user


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [("   ", {}, "name"), ("x" * 65, {}, "name"), ("big", {"agent": ["1001"] * 800}, "query")],
)
def test_a_bad_filter_is_refused_naming_the_field(
    engine: Engine, name: str, query: dict[str, object], field: str
) -> None:
    one, _ = _users(engine)
    with (
        session_factory(engine)() as session,
        session.begin(),
        pytest.raises(store.FilterError) as refused,
    ):
        store.save_filter(session, one, "queues", name, query, T)
    assert refused.value.field == field
