"""The importer after random sequences of edits: the database holds exactly the file.

Each step applies a few random edits to the example (reorder, rename, remove or add objects,
toggle phones and voicemail boxes, re-point IVR options and queue overflows, move members
and customer numbers), keeps those the validator accepts, imports the result and checks:
the export equals the file; objects kept keep their ids, phones their ids and passwords;
the journal lists exactly the keys the import reported.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from controller.db import models as m
from controller.db.engine import session_factory
from controller.errors import ConfigFileError
from controller.pbxconfig.dump import dump_config
from controller.pbxconfig.export import export_config
from controller.pbxconfig.importer import ImportReport, import_config
from controller.pbxconfig.load import ValidatedConfig, parse_config
from controller.pbxconfig.schema import SECTION_KEYS
from tests.conftest import EXAMPLE

Doc = dict[str, Any]


def _validated(doc: Doc) -> ValidatedConfig | None:
    try:
        return parse_config(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    except ConfigFileError:
        return None


def _sections(doc: Doc) -> list[str]:
    return [name for name in SECTION_KEYS if doc.get(name)]


def _reorder(rng: random.Random, doc: Doc) -> None:
    rng.shuffle(doc[rng.choice(_sections(doc))])


def _remove(rng: random.Random, doc: Doc) -> None:
    items = doc[rng.choice(_sections(doc))]
    del items[rng.randrange(len(items))]


def _rename(rng: random.Random, doc: Doc) -> None:
    section = rng.choice(["extensions", "agents", "customers", "queues", "ivr_menus"])
    item = rng.choice(doc[section])
    field = {"queues": "display_name", "ivr_menus": "description"}.get(section, "name")
    item[field] = f"{item.get(field) or 'x'} {rng.randrange(100)}"


def _add_extension(rng: random.Random, doc: Doc) -> None:
    number = str(rng.randrange(3000, 3100))
    item: Doc = {"number": number, "name": f"new {number}"}
    if rng.random() < 0.5:
        item["voicemail"] = {}
    doc["extensions"].insert(rng.randrange(len(doc["extensions"]) + 1), item)


def _toggle_phone_or_voicemail(rng: random.Random, doc: Doc) -> None:
    item = rng.choice(doc["extensions"])
    if rng.random() < 0.5:
        if "phone" in item:
            del item["phone"]
        else:
            item["phone"] = None
    elif "voicemail" in item:
        del item["voicemail"]
    else:
        item["voicemail"] = {"email": "box@example.com"}


def _targets(doc: Doc) -> list[str]:
    return [
        *(f"extension:{x['number']}" for x in doc["extensions"]),
        *(f"queue:{x['name']}" for x in doc["queues"]),
        *(f"ivr:{x['name']}" for x in doc["ivr_menus"]),
        "hangup",
    ]


def _repoint(rng: random.Random, doc: Doc) -> None:
    target = rng.choice(_targets(doc))
    if rng.random() < 0.5 and doc["ivr_menus"]:
        menu = rng.choice(doc["ivr_menus"])
        menu["options"][rng.choice("1234567890")] = target
        if rng.random() < 0.3 and len(menu["options"]) > 1:
            del menu["options"][rng.choice(list(menu["options"]))]
    elif doc["queues"]:
        rng.choice(doc["queues"])["overflow"] = target


def _members(rng: random.Random, doc: Doc) -> None:
    queue = rng.choice(doc["queues"])
    members = queue.setdefault("members", [])
    rng.shuffle(members)
    if members and rng.random() < 0.5:
        members.pop()
    else:
        code = rng.choice(doc["agents"])["code"]
        if all(x["agent"] != code for x in members):
            members.append({"agent": code, "penalty": rng.randrange(3)})


def _move_number(rng: random.Random, doc: Doc) -> None:
    customers = [c for c in doc.get("customers", []) if c.get("numbers")]
    if len(customers) >= 2:
        source, target = rng.sample(customers, 2)
        target["numbers"].append(source["numbers"].pop())


EDITS: list[Callable[[random.Random, Doc], None]] = [
    _reorder,
    _remove,
    _rename,
    _add_extension,
    _toggle_phone_or_voicemail,
    _repoint,
    _members,
    _move_number,
]


def _edited(rng: random.Random, doc: Doc, edits: int) -> tuple[Doc, ValidatedConfig]:
    """``doc`` after ``edits`` random edits the validator accepts."""
    current = doc
    validated = None
    applied = 0
    while applied < edits:
        candidate = copy.deepcopy(current)
        rng.choice(EDITS)(rng, candidate)
        checked = _validated(candidate)
        if checked is not None:
            current, validated, applied = candidate, checked, applied + 1
    assert validated is not None
    return current, validated


def _ids(engine: Engine) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    with session_factory(engine)() as session:
        for model, key, name in (
            (m.Extension, m.Extension.number, "extensions"),
            (m.Queue, m.Queue.name, "queues"),
            (m.IvrMenu, m.IvrMenu.name, "ivr_menus"),
            (m.Agent, m.Agent.code, "agents"),
            (m.Customer, m.Customer.code, "customers"),
        ):
            found[name] = {k: i for k, i in session.execute(select(key, model.id))}
        rows = session.execute(
            select(m.Extension.number, m.Phone.id, m.Phone.password).join(m.Phone)
        )
        found["phones"] = {number: (phone_id, pw) for number, phone_id, pw in rows}
    return found


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edit_sequences_import_exactly(engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    validated = _validated(doc)
    assert validated is not None
    factory = session_factory(engine)
    for _step in range(6):
        before = _ids(engine)
        with factory() as session, session.begin():
            report: ImportReport = import_config(session, validated)
        after = _ids(engine)
        with factory() as session:
            stored = export_config(session)
            journal = session.scalars(
                select(m.ConfigChange.changes).order_by(m.ConfigChange.revision.desc()).limit(1)
            ).one()
        assert dump_config(stored) == dump_config(validated.config)

        for section in ("extensions", "queues", "ivr_menus", "agents", "customers"):
            kept = before[section].keys() & after[section].keys()
            assert {k: before[section][k] for k in kept} == {k: after[section][k] for k in kept}
        for number in before["phones"].keys() & after["phones"].keys():
            # A phone kept is updated in place, and its password, left out of the file, kept.
            assert before["phones"][number] == after["phones"][number]
        generated = {g.rsplit(" ", 1)[1] for g in report.generated if g.startswith("phone")}
        assert generated == after["phones"].keys() - before["phones"].keys()

        if not report.diff.empty:
            touched = {
                section: sorted({*d.added, *d.changed, *d.removed})
                for section, d in report.diff.sections.items()
                if d.added or d.changed or d.removed
            }
            assert journal["keys"] == touched

        doc, validated = _edited(rng, doc, edits=rng.randrange(1, 5))
