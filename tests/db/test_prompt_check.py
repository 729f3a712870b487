"""An apply refuses a configuration whose prompts have no sound file, naming the object and
field, before it renders or touches Asterisk; the demo's stand-ins let the example company
apply. On every database backend (the prompts are read from JSON columns)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import Engine

from controller import prompts
from controller.config import AsteriskSettings, Settings
from controller.db.engine import session_factory
from controller.demo.prompts import provide_stand_ins
from controller.dialplan import service
from controller.dialplan.apply import ApplyStep, Outcome
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE


def _company(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        import_config(session, parse_config(EXAMPLE.read_text(encoding="utf-8"), "company.yaml"))


def _settings(tmp_path: Path, sounds: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        asterisk=AsteriskSettings(config_dir=tmp_path / "etc", sounds_dir=sounds),
    )


def test_the_stored_prompts_are_the_configurations(engine: Engine) -> None:
    _company(engine)
    with session_factory(engine)() as session:
        stored = prompts.stored_prompt_uses(session)
        exported = prompts.prompt_uses(export_config(session))
    assert stored == exported
    menu = next(u for u in stored if u.name == "custom/main-menu-zh")
    assert (menu.section, menu.key, menu.field) == ("ivr_menus", "main", "prompts.zh")
    announce = next(u for u in stored if u.field == "periodic_announce")
    assert announce.section == "queues"


def test_a_missing_prompt_refuses_the_apply_naming_object_and_field(
    engine: Engine, tmp_path: Path
) -> None:
    _company(engine)
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    steps: list[ApplyStep] = []
    settings = _settings(tmp_path, sounds)
    applied = asyncio.run(service.apply_from_database(settings, engine, progress=steps.append))
    assert applied.report.outcome is Outcome.REFUSED
    assert "IVR menu 'main' prompts[zh]: prompt 'custom/main-menu-zh' has no sound file" in (
        applied.report.render()
    )
    faults = {(u.section, u.key, u.field) for u in applied.missing_prompts}
    assert ("ivr_menus", "main", "invalid_prompts.en") in faults
    assert [(s.step, s.status) for s in steps] == [("prompts", "failed")]
    assert not (tmp_path / "etc").exists()  # nothing rendered, Asterisk not touched

    # A recording for each (the stand-ins the demo makes from stock sounds): nothing missing.
    stock = sounds / "en_US_f_Allison"
    stock.mkdir()
    (stock / "beep.gsm").write_bytes(b"\xd8" + bytes(32))  # one GSM frame
    with session_factory(engine)() as session:
        uses = prompts.stored_prompt_uses(session)
    made = provide_stand_ins(sounds, uses)
    assert "custom/main-menu-zh" in made
    assert service.check_prompts(settings, engine) == ([], "")
    # A recording already there is never replaced.
    assert provide_stand_ins(sounds, uses) == []


def test_without_a_sounds_directory_prompts_are_not_checked_and_it_says_so(
    engine: Engine, tmp_path: Path
) -> None:
    _company(engine)
    settings = _settings(tmp_path, tmp_path / "no-such-dir")
    assert service.check_prompts(settings, engine) == (
        [],
        f"prompts not checked: the sounds directory {tmp_path / 'no-such-dir'} does not exist here",
    )
