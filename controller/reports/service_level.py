"""Service level, rates and averages from counted facts (pure math, no database).

Service level is "answered within T seconds" over a denominator that peers choose
differently (the reporting reference, §1.2). With ``answered`` legs of which ``answered_in``
waited at most T, ``abandoned`` caller hang-ups (short ones included) of which
``abandoned_in`` waited at most T and ``short`` waited at most S (the short-abandon
threshold):

====  ==========================================================  =========================
key   formula                                                      used by
====  ==========================================================  =========================
A     answered≤T ÷ answered                                        Asterisk SL, Wazo, Avaya
B     answered≤T ÷ (answered + abandoned)                          Cisco "negative", Genesys
C     answered≤T ÷ (answered + abandoned>T)                        Cisco "ignored", xcally
D     (answered≤T + abandoned≤T) ÷ (answered + abandoned)          Asterisk SL2, Cisco "positive"
E     answered≤T ÷ (answered + abandoned − short abandoned≤S)      ccmath, Talkdesk, RingCentral
====  ==========================================================  =========================

**Default: E**, because the reports show short abandons apart from abandons (a caller who
hangs up within S seconds — a wrong number, a change of mind — is neither served nor failed).
Worked example (answered 1000, 860 within 20 s; abandoned 60, 20 within 20 s, 10 within
5 s): A 86.0 %, B 81.1 %, C 82.7 %, D 83.0 %, E 81.9 %. Waits are compared with ``≤``, as
Asterisk does. A denominator of zero gives None ("nothing to count"), never 0 % or 100 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Variant(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


DEFAULT_VARIANT = Variant.E

FORMULAS: Mapping[Variant, str] = {
    Variant.A: "answered≤T ÷ answered",
    Variant.B: "answered≤T ÷ (answered + abandoned)",
    Variant.C: "answered≤T ÷ (answered + abandoned>T)",
    Variant.D: "(answered≤T + abandoned≤T) ÷ (answered + abandoned)",
    Variant.E: "answered≤T ÷ (answered + abandoned − short abandoned≤S)",
}


@dataclass(frozen=True, slots=True)
class SlCounts:
    answered: int
    answered_in: int  # answered with wait ≤ T
    abandoned: int  # every caller hang-up while waiting, short ones included
    abandoned_in: int  # of those, wait ≤ T
    short: int  # of those, wait ≤ S


def service_level(c: SlCounts, variant: Variant = DEFAULT_VARIANT) -> float | None:
    """The share 0..1, or None when the denominator is zero."""
    if variant is Variant.A:
        return ratio(c.answered_in, c.answered)
    if variant is Variant.B:
        return ratio(c.answered_in, c.answered + c.abandoned)
    if variant is Variant.C:
        return ratio(c.answered_in, c.answered + c.abandoned - c.abandoned_in)
    if variant is Variant.D:
        return ratio(c.answered_in + c.abandoned_in, c.answered + c.abandoned)
    return ratio(c.answered_in, c.answered + c.abandoned - c.short)


def ratio(part: float, whole: float) -> float | None:
    return None if whole <= 0 else part / whole


def mean_seconds(total_ms: float, count: int) -> float | None:
    """An average duration in seconds, None when nothing was counted."""
    return None if count <= 0 else total_ms / count / 1000.0
