from __future__ import annotations

import pytest

from controller.digits import ascii_digits


@pytest.mark.parametrize("text", ["0", "0755", "1234567890", "9" * 40])
def test_ascii_digits_are_accepted(text: str) -> None:
    assert ascii_digits(text)


@pytest.mark.parametrize(
    "text", ["", " 1", "1 ", "+1", "-1", "1.0", "²", "1²", "١٠٠٣", "１２", "1\n", "0x1"]
)
def test_anything_else_is_refused(text: str) -> None:
    assert not ascii_digits(text)
