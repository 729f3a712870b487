"""Phone rows prepared in a second process (controller.dialplan.phoneprep): the same result
as preparing them in the apply's own process, the same refusal, and the in-process way
whenever the second process cannot give its answer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from controller.dialplan import phones
from controller.dialplan.build import build
from controller.dialplan.facts import extract
from controller.dialplan.lint import file_kind
from controller.dialplan.model import Options
from controller.dialplan.phoneprep import Preparing
from controller.dialplan.render import Renderer
from controller.dialplan.tracked import TEXT
from controller.dialplan.tracking import track
from controller.pbxconfig.load import parse_config
from tests.conftest import EXAMPLE
from tests.unit.dialplan.test_phone_rows import PJSIP, _edit_extension, _phone_ids, _render


def _same(a: phones.Prepared, b: phones.Prepared) -> None:
    assert a.files == b.files
    assert a.sync is not None
    assert b.sync is not None
    assert dataclasses.asdict(a.sync) == dataclasses.asdict(b.sync)


def test_the_second_process_prepares_what_the_apply_would(tmp_path: Path) -> None:
    text = _render()
    phones.prepare({"pjsip.conf": text}, tmp_path).sync.write()  # type: ignore[union-attr]
    phone = _phone_ids(text)[0]
    edited = _render(_edit_extension(phone, name="Someone else"))
    files = {"pjsip.conf": edited, "queues.conf": "; queues\n"}
    preparing = Preparing(edited, tmp_path)
    prepared = preparing.result(files)
    assert not preparing.in_process
    expected = phones.prepare(files, tmp_path)
    _same(prepared, expected)
    assert prepared.files["queues.conf"] == "; queues\n"
    assert prepared.sync is not None
    assert {name for _table, name in prepared.sync.rows} == {phone}
    assert prepared.sync.old_rows  # the rows it replaces, for an undo


def test_a_section_that_cannot_be_a_row_is_refused_the_same_way(tmp_path: Path) -> None:
    text = "[pbx-phone-x](!)\nallow=ulaw\n\n[1001](pbx-phone-x)\nallow=alaw\n"
    with pytest.raises(phones.PhoneRowError) as in_process:
        phones.prepare({"pjsip.conf": text}, tmp_path)
    with pytest.raises(phones.PhoneRowError) as second:
        Preparing(text, tmp_path).result({"pjsip.conf": text})
    assert str(second.value) == str(in_process.value)


def test_other_files_or_a_stopped_process_are_prepared_in_process(tmp_path: Path) -> None:
    started, other = _render(), _render(_edit_extension(_phone_ids(_render())[0], name="X"))
    # Asked for another pjsip.conf than it was started with: not the process's answer.
    preparing = Preparing(started, tmp_path)
    _same(preparing.result({"pjsip.conf": other}), phones.prepare({"pjsip.conf": other}, tmp_path))
    assert preparing.in_process
    cancelled = Preparing(started, tmp_path)
    cancelled.cancel()
    _same(cancelled.result({"pjsip.conf": started}),
          phones.prepare({"pjsip.conf": started}, tmp_path))  # fmt: skip
    assert cancelled.in_process


def test_the_process_extracts_pjsip_confs_segment_facts_as_a_full_render(tmp_path: Path) -> None:
    config = parse_config(EXAMPLE.read_text(encoding="utf-8")).config
    extensions = [
        e.model_copy(update={"phone": e.phone.model_copy(update={"password": "pw-Zq8r-1234"})})
        if e.phone is not None
        else e
        for e in config.extensions
    ]
    config = config.model_copy(update={"extensions": extensions})
    rec = Renderer().render_recorded(PJSIP, track(build(config, Options())).pjsip)
    texts = [seg.text for seg in rec.segments if seg.kind == TEXT]
    expected, ctx = [], None
    for text in texts:
        facts, ctx = extract(file_kind("pjsip.conf"), text, ctx)
        expected.append((facts, ctx))
    preparing = Preparing(_render(), tmp_path, texts)
    assert preparing.facts("pjsip.conf") == expected
    assert any(facts for facts, _end in expected)
    assert preparing.facts("queues.conf") is None
