"""The change journal: each import's revision lists what it added, changed and removed."""

from __future__ import annotations

from sqlalchemy import Engine, update

from controller.db import models as m
from controller.db.engine import session_factory
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from controller.pbxconfig.revision import (
    KEEP_REVISIONS,
    changes_since,
    current_revision,
    revision_token,
)
from tests.conftest import EXAMPLE

TEXT = EXAMPLE.read_text(encoding="utf-8")


def _import(engine: Engine, text: str) -> tuple[int, str]:
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(text, "company.yaml"))
    with session_factory(engine)() as session:
        revision = current_revision(session)
        token = revision_token(session, revision)
    assert token is not None
    return revision, token


def test_the_journal_says_what_changed_since_a_revision(engine: Engine) -> None:
    first, token = _import(engine, TEXT)
    second, _ = _import(
        engine, TEXT.replace("    wrapup_seconds: 15\n", "    wrapup_seconds: 20\n")
    )
    removed = TEXT.replace("    wrapup_seconds: 15\n", "    wrapup_seconds: 20\n")
    start = removed.index("- number: '1009'")
    end = removed.index("  - number: '1010'")
    third, _ = _import(engine, removed[:start] + removed[end + 2 :])
    assert (first, second, third) == (1, 2, 3)
    with session_factory(engine)() as session:
        changes = changes_since(session, first, token, third)
        assert changes is not None
        assert not changes.site
        assert changes.keys["queues"] == {"sales"}
        assert changes.keys["extensions"] == {"1009"}
        assert changes.resized == {"extensions"}
        same = changes_since(session, third, revision_token(session, third) or "", third)
        assert same is not None
        assert same.count() == 0


def test_a_reader_of_another_history_starts_over(engine: Engine) -> None:
    first, token = _import(engine, TEXT)
    later, _ = _import(engine, TEXT.replace("    wrapup_seconds: 15\n", "    wrapup_seconds: 21\n"))
    factory = session_factory(engine)
    with factory() as session:
        assert changes_since(session, first, "0" * 32, later) is None  # not this database's
        assert changes_since(session, later, token, first) is None  # going backwards
    with factory() as session, session.begin():
        session.execute(
            update(m.ConfigChange).where(m.ConfigChange.revision == later).values(changes=None)
        )
    with factory() as session:
        assert changes_since(session, first, token, later) is None  # too large to list
    with factory() as session, session.begin():
        session.execute(
            update(m.ConfigChange).where(m.ConfigChange.revision == first).values(revision=0)
        )
    with factory() as session:
        assert changes_since(session, first, token, later) is None  # a gap


def test_old_revisions_are_forgotten(engine: Engine) -> None:
    _import(engine, TEXT)
    with session_factory(engine)() as session, session.begin():
        session.execute(update(m.ConfigRevision).values(revision=KEEP_REVISIONS + 5))
    latest, _ = _import(
        engine, TEXT.replace("    wrapup_seconds: 15\n", "    wrapup_seconds: 22\n")
    )
    with session_factory(engine)() as session:
        assert revision_token(session, 1) is None
        assert revision_token(session, latest) is not None
