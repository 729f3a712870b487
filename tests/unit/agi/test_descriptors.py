"""How many connections the FastAGI server holds for a given descriptor limit."""

from __future__ import annotations

from controller.agi.descriptors import RESERVED_DESCRIPTORS, Capacity, fit_capacity


def test_capacity_fits_the_descriptor_limit() -> None:
    wanted = Capacity(sessions=2000, pending=512)
    assert fit_capacity(wanted, 65536) == wanted
    fitted = fit_capacity(wanted, 1024)
    assert fitted.connections == 1024 - RESERVED_DESCRIPTORS
    assert fitted.pending == (1024 - RESERVED_DESCRIPTORS) // 4
    assert fit_capacity(wanted, 10) == Capacity(sessions=1, pending=1)
