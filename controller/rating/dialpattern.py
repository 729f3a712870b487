"""Asterisk extension patterns (as outbound routes write them) as regular expressions.

``X`` is any digit, ``Z`` 1-9, ``N`` 2-9, ``[1-5]`` a set, a trailing ``.`` one or more of
anything, ``!`` zero or more; everything else stands for itself. The configuration has
already checked the spelling (controller.pbxconfig.types.DialPattern).
"""

from __future__ import annotations

import re

_CLASSES = {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]", ".": ".+", "!": ".*"}


def compile_pattern(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "[":
            end = pattern.index("]", i)
            out.append(pattern[i : end + 1])
            i = end + 1
            continue
        out.append(_CLASSES.get(ch.upper(), re.escape(ch)))
        i += 1
    return re.compile("".join(out))


def matches(pattern: re.Pattern[str], number: str) -> bool:
    return pattern.fullmatch(number) is not None
