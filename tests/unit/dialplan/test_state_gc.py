"""The collector's pauses around a full render (controller.dialplan.state)."""

from __future__ import annotations

import gc

from controller.dialplan.state import gc_frozen


def test_gc_frozen_hides_the_objects_alive_and_gives_them_back() -> None:
    gc.unfreeze()
    kept = [[] for _ in range(1000)]  # container objects the collector tracks
    with gc_frozen():
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0
    with gc_frozen(False):  # an incremental apply: nothing to hide
        assert gc.get_freeze_count() == 0
