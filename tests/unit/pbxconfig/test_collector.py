"""The collector pause: resumed by the outermost pause only, objects built during it aged to
the oldest generation, and objects another part of the process froze stay frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from controller.pbxconfig.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation=generation))


def test_only_the_outermost_pause_resumes_the_collector() -> None:
    gc.enable()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_objects_built_while_paused_are_aged_not_walked_young() -> None:
    gc.enable()
    with collector_paused():
        built = [[i] for i in range(1000)]
    assert not _in_generation(built, 0)
    assert _in_generation(built, 2)
    assert gc.get_count()[0] < 100


def test_objects_frozen_by_the_process_stay_frozen() -> None:
    gc.enable()
    kept = [[1], [2]]
    gc.freeze()
    frozen = gc.get_freeze_count()
    with collector_paused():
        built = [[i] for i in range(1000)]
    assert gc.get_freeze_count() == frozen
    assert _in_generation(built, 0) or _in_generation(built, 1)
    assert kept
