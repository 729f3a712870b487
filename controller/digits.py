"""Strict digit checks for text from outside (Asterisk, browsers, files).

``str.isdigit`` is true for ``²`` and other Unicode digits that ``int`` refuses, and
``str.isdecimal`` for Arabic-Indic digits that ``int`` accepts but a dial string must not
carry: a number, a code or a timestamp we read is ASCII ``0-9`` only.
"""

from __future__ import annotations


def ascii_digits(text: str) -> bool:
    """True if ``text`` is one or more ASCII digits ``0-9``."""
    return text.isascii() and text.isdigit()
