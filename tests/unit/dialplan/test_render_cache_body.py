"""The render cache assembles a file from its segments, reading again only the texts of
segments it has not seen in this process (controller.dialplan.cache)."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.dialplan.cache import Cache, NewSegment
from controller.dialplan.tracked import TEXT


def _seg(text: str) -> NewSegment:
    return NewSegment("", TEXT, text, None, None, [])


def _filled(directory: Path) -> Cache:
    cache = Cache.open(directory)
    with cache.transaction(), cache.refill():
        cache.add_segments("f.conf", [_seg("a\n"), _seg("b\n"), _seg("c\n")])
    return cache


def test_a_deleted_segments_id_is_never_given_out_again(tmp_path: Path) -> None:
    cache = _filled(tmp_path)
    assert cache.body("f.conf") == "a\nb\nc\n"
    a, b, c = cache.segments("f.conf")
    with cache.transaction():
        cache.delete_segments([c.id])  # the highest id
        (new,) = cache.insert_between("f.conf", a.ord, b.ord, [_seg("x\n")])
    assert new > c.id
    assert cache.body("f.conf") == "a\nx\nb\n"


def test_texts_read_in_a_transaction_that_was_undone_are_forgotten(tmp_path: Path) -> None:
    cache = _filled(tmp_path)
    a, b, _c = cache.segments("f.conf")

    def undone() -> None:
        with cache.transaction():
            cache.insert_between("f.conf", a.ord, b.ord, [_seg("undone\n")])
            assert cache.body("f.conf") == "a\nundone\nb\nc\n"
            raise RuntimeError

    with pytest.raises(RuntimeError):
        undone()
    assert cache.body("f.conf") == "a\nb\nc\n"
    with cache.transaction():  # the same place again, under the same generation
        cache.insert_between("f.conf", a.ord, b.ord, [_seg("kept\n")])
    assert cache.body("f.conf") == "a\nkept\nb\nc\n"


def test_changes_by_another_process_and_a_new_fill_are_seen(tmp_path: Path) -> None:
    cache = _filled(tmp_path)
    assert cache.body("f.conf") == "a\nb\nc\n"
    other = Cache.open(tmp_path)  # another process's connection
    a, b, _c = other.segments("f.conf")
    with other.transaction():
        other.delete_segments([b.id])
        other.insert_between("f.conf", a.ord, b.ord, [_seg("B\n")])
    assert cache.body("f.conf") == "a\nB\nc\n"
    with other.transaction(), other.refill():  # ids start again at 1, a new generation
        other.add_segments("f.conf", [_seg("new\n"), _seg("fill\n")])
    assert cache.body("f.conf") == "new\nfill\n"
    other.close()
    cache.close()
