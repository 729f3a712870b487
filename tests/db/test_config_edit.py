"""One object of the stored configuration changed through the importer (the admin pages'
save), and the admin lists' search and paging in SQL, on every database backend."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.errors import ConfigFileError
from controller.pbxconfig.edit import Conflict, read_object, save_object
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.pbxconfig.revision import changes_since, current_revision, revision_token
from controller.web.pages.admin import PAGE_SIZE, list_objects
from tests.conftest import EXAMPLE


def _company(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8"), "company.yaml"))


def test_a_saved_object_is_a_journaled_revision_and_a_bad_one_changes_nothing(
    engine: Engine,
) -> None:
    _company(engine)
    factory = session_factory(engine)
    with factory() as session:
        queue = read_object(session, "queues", "support")
        before = current_revision(session)
        token = revision_token(session, before)
    assert queue is not None
    assert token is not None
    with factory() as session, pytest.raises(ConfigFileError) as refused, session.begin():
        save_object(session, "queues", "support", {**queue, "overflow": "queue:nowhere"}, queue)
    (issue,) = refused.value.issues
    assert (issue.object, issue.field) == ("queue 'support'", "overflow")
    with factory() as session, session.begin():
        save_object(session, "queues", "support", {**queue, "weight": 3}, queue)
    with factory() as session:
        assert current_revision(session) == before + 1
        changes = changes_since(session, before, token, before + 1)
        assert changes is not None
        assert changes.keys == {"queues": {"support"}}
        assert next(q for q in export_config(session).queues if q.name == "support").weight == 3
    with factory() as session, pytest.raises(Conflict) as stale, session.begin():
        save_object(session, "queues", "support", {**queue, "weight": 4}, queue)
    assert [(c.field, c.base, c.current) for c in stale.value.changes] == [("weight", 0, 3)]


def test_secrets_left_out_of_a_saved_extension_are_kept(engine: Engine) -> None:
    _company(engine)
    factory = session_factory(engine)
    with factory() as session:
        secret = {
            e.number: e.phone for e in export_config(session, include_secrets=True).extensions
        }
        extension = read_object(session, "extensions", "1001")
    assert extension is not None
    assert extension["phone"]["password"] is None  # never read for a page
    with factory() as session, session.begin():
        save_object(session, "extensions", "1001", {**extension, "name": "改名"}, extension)
    with factory() as session:
        after = {e.number: e for e in export_config(session, include_secrets=True).extensions}
    assert after["1001"].name == "改名"
    assert after["1001"].phone == secret["1001"]


def test_two_saves_at_once_one_wins_the_other_conflicts(engine: Engine) -> None:
    _company(engine)
    factory = session_factory(engine)
    with factory() as session:
        queue = read_object(session, "queues", "sales")
    assert queue is not None
    outcomes: list[str] = []

    def save(weight: int) -> None:
        try:
            with factory() as session, session.begin():
                save_object(session, "queues", "sales", {**queue, "weight": weight}, queue)
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # SQLite: the second writer may find the database locked
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=save, args=(w,)) for w in (6, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("saved") == 1, outcomes
    with factory() as session:
        weight = next(q for q in export_config(session).queues if q.name == "sales").weight
    assert weight in (6, 7)


def test_lists_search_and_page_in_sql(engine: Engine) -> None:
    _company(engine)
    text = EXAMPLE.read_text(encoding="utf-8")
    many = "".join(f"  - number: '3{n:03d}'\n    name: 'Agent_{n} 分机'\n" for n in range(120))
    text = text.replace("extensions:\n", "extensions:\n" + many, 1)
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(text, "many.yaml"))
    with session_factory(engine)() as session:
        first = list_objects(session, "extensions", "", 1)
        assert first.total > 120
        assert len(first.rows) == PAGE_SIZE
        assert first.rows[0] == ("3000", "Agent_0 分机")  # configuration order
        third = list_objects(session, "extensions", "", 3)
        assert third.rows[0][0] == f"3{2 * PAGE_SIZE:03d}"
        beyond = list_objects(session, "extensions", "", 999)
        assert beyond.page == beyond.pages
        found = list_objects(session, "extensions", "agent_11", 1)
        assert [k for k, _ in found.rows] == ["3011", "3110", "3111", "3112", "3113", "3114",
                                              "3115", "3116", "3117", "3118", "3119"]  # fmt: skip
        assert list_objects(session, "extensions", "agent%", 1).total == 0  # % is itself
        assert list_objects(session, "extensions", "分机", 1).total >= 120
        assert list_objects(session, "queues", "SALES", 1).rows[0][0] == "sales"
