"""export_objects: a few objects of the stored configuration, read as export_config reads all."""

from __future__ import annotations

from sqlalchemy import Engine

from controller.db.engine import session_factory
from controller.pbxconfig import schema as s
from controller.pbxconfig.export import SECTION_MODELS, export_config, export_objects
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE


def test_picked_objects_equal_the_full_export_and_nothing_else_is_read(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8")))
    with session_factory(engine)() as session:
        full = export_config(session, include_secrets=True)
        wanted: dict[str, list[str]] = {}
        for section in SECTION_MODELS:
            key_field = s.SECTION_KEYS[section][0]
            items = getattr(full, section)
            # Every other object of each section, and one key that does not exist.
            wanted[section] = [getattr(x, key_field) for x in items[::2]] + ["no-such-key"]
        wanted["queues"] = []  # asked for none: read none
        picked = export_objects(session, wanted)
    assert picked.site == full.site
    for section in SECTION_MODELS:
        expected = [] if section == "queues" else getattr(full, section)[::2]
        assert getattr(picked, section) == expected, section
    assert any(getattr(picked, section) for section in SECTION_MODELS)
